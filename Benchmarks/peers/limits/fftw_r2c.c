/* Physical limit of an unmasked FSC: read two n^3 float32 MRC files (1024-byte header, native float32
 * data assumed) into FFTW buffers and run one in-place r2c transform of each with THREADS threads. The plan is
 * FFTW_ESTIMATE (emtools' default rigour), or, given WISDOM_DIR, the measured plan from the wisdom files in it
 * (emtools' cache folder after `emtools fsc --fft-measure`), so that both sides run the same algorithm.
 * Prints the transform time alone, the total and where the plan came from.
 * Usage: fftw_r2c THREADS H1 H2 [WISDOM_DIR] */
#include <dirent.h>
#include <fcntl.h>
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

static int load(const char *path, float *out, int n) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { perror(path); return -1; }
    int dims[3];
    if (pread(fd, dims, 12, 0) != 12 || dims[0] != n) { fprintf(stderr, "%s: not %d^3\n", path, n); return -1; }
    int nsymbt;
    if (pread(fd, &nsymbt, 4, 92) != 4) return -1;
    size_t row = (size_t)2 * (n / 2 + 1);
    float *line = malloc((size_t)n * n * sizeof(float));
    for (int z = 0; z < n; z++) {
        size_t bytes = (size_t)n * n * sizeof(float);
        if (pread(fd, line, bytes, 1024 + nsymbt + (off_t)z * bytes) != (ssize_t)bytes) { fprintf(stderr, "%s: short\n", path); return -1; }
        for (int y = 0; y < n; y++) memcpy(out + ((size_t)z * n + y) * row, line + (size_t)y * n, n * sizeof(float));
    }
    free(line);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: fftw_r2c THREADS H1 H2 [WISDOM_DIR]\n"); return 2; }
    int threads = atoi(argv[1]);
    int dims[3];
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0 || read(fd, dims, 12) != 12) { perror(argv[2]); return 1; }
    close(fd);
    int n = dims[0];
    double t0 = now();
    fftwf_init_threads();
    fftwf_plan_with_nthreads(threads);
    size_t count = (size_t)2 * (n / 2 + 1) * n * n;
    float *a = fftwf_alloc_real(count), *b = fftwf_alloc_real(count);
    fftwf_plan p = NULL;
    if (argc == 5) {
        DIR *d = opendir(argv[4]);
        struct dirent *e;
        char path[4096];
        while (d && (e = readdir(d))) {
            if (strncmp(e->d_name, "fftwf-wisdom-", 13)) continue;
            snprintf(path, sizeof path, "%s/%s", argv[4], e->d_name);
            fftwf_import_wisdom_from_filename(path);
        }
        if (d) closedir(d);
        p = fftwf_plan_dft_r2c_3d(n, n, n, a, (fftwf_complex *)a, FFTW_MEASURE | FFTW_WISDOM_ONLY);
    }
    const char *source = p ? "measured (wisdom)" : "estimated";
    if (!p) p = fftwf_plan_dft_r2c_3d(n, n, n, a, (fftwf_complex *)a, FFTW_ESTIMATE);
    if (load(argv[2], a, n) || load(argv[3], b, n)) return 1;
    double t1 = now();
    fftwf_execute_dft_r2c(p, a, (fftwf_complex *)a);
    fftwf_execute_dft_r2c(p, b, (fftwf_complex *)b);
    double t2 = now();
    printf("n=%d threads=%d plan=%s transforms=%.4f s total=%.4f s (%g)\n", n, threads, source, t2 - t1, t2 - t0,
           a[2] + b[2]);
    fftwf_destroy_plan(p);
    fftwf_free(a); fftwf_free(b);
    return 0;
}
