/* Physical limit: read a whole file through the page cache with read(2) into a 1 MiB buffer.
 * Usage: read_file FILE   (prints bytes read) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: read_file FILE\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 1; }
    static char buf[1 << 20];
    long long total = 0;
    unsigned char x = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) { perror(argv[1]); return 1; }
        if (n == 0) break;
        x ^= (unsigned char)buf[n - 1];
        total += n;
    }
    close(fd);
    printf("%lld bytes (%u)\n", total, x);
    return 0;
}
