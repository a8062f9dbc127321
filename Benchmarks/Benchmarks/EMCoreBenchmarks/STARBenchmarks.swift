import Benchmark
import EMCore
import Foundation

/// STAR parsing of generated RELION 3.1 particle files (25 columns) and typed column access.
func starBenchmarks() {
    for rows in BenchData.rowCounts {
        Benchmark("STAR parse \(rows) rows") { benchmark, path in
            let bytes = BenchData.fileSize(path)
            for _ in benchmark.scaledIterations {
                let doc = try Throughput.record(benchmark, bytes: bytes, rows: rows) { try STARDocument.read(path) }
                blackHole(doc.block("particles")?.table?.rowCount)
            }
        } setup: {
            BenchData.particles(rows)
        }

        // Parse, then read one numeric and one integer column as typed arrays.
        Benchmark("STAR parse + columns \(rows) rows") { benchmark, path in
            for _ in benchmark.scaledIterations {
                try Throughput.record(benchmark, rows: rows) {
                    let table = try STARDocument.read(path).requireBlock("particles").requireTable()
                    blackHole(try table.doubles("rlnDefocusU").reduce(0, +))
                    blackHole(try table.ints("rlnClassNumber").reduce(0, +))
                }
            }
        } setup: {
            BenchData.particles(rows)
        }
    }
}
