import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools star FILE…`: summarise STAR files, or select, count, convert and merge their tables.
struct STARCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "star",
        abstract: "Summarise STAR files; select rows and columns, count, convert to CSV/JSON, merge tables.",
        discussion: """
        With only files: list blocks, tables, row counts and columns (type; min/max/mean of numbers). \
        With only --out (or --to star): the whole file rewritten in RELION's layout.

        Selecting (--block, --columns, --where, --to, --out) writes one table; as STAR, the whole file with \
        that table replaced (data_optics kept), in RELION's layout. The table is --block, else data_particles, \
        else the first block with a loop. Conditions: NAME==V, !=, <, <=, >, >= (numbers compared as numbers, \
        other values as text); several --where are ANDed.

        Examples:
          emtools star run_data.star
          emtools star run_data.star --where 'rlnClassNumber==3' --out class3.star
          emtools star run_data.star --columns rlnDefocusU,rlnDefocusV --to csv | head
          emtools star run_data.star --count-by rlnClassNumber
          emtools star a.star b.star --merge --out merged.star
        """
    )

    @Argument(help: "STAR files (plain, .gz or .bz2) or glob patterns.")
    var files: [String]

    @Option(help: "The block to select from (name with or without 'data_').")
    var block: String?

    @Option(help: "Columns to keep, comma-separated (with or without '_'), in this order.")
    var columns: String?

    @Option(name: .customLong("where"), help: "Keep rows where NAME OP VALUE holds (OP: == != < <= > >=); repeatable.")
    var conditions: [String] = []

    @Option(help: "Output format of the selected table: star, csv or json.")
    var to: STAROutputFormat?

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var out: String?

    @Option(help: "Count rows by the values of this column.")
    var countBy: String?

    @Flag(help: "Merge the selected table of every file (they must have the same columns); other blocks come from the first file.")
    var merge = false

    @Flag(help: "Print the summary (or counts) as JSON.")
    var json = false

    var selecting: Bool { block != nil || columns != nil || !conditions.isEmpty || to != nil || out != nil || merge }

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one STAR file") }
        if merge && expandPaths(files).count < 2 { throw ValidationError("--merge needs two or more files") }
        if !merge && (selecting || countBy != nil) && expandPaths(files).count > 1 {
            throw ValidationError("selecting or counting works on one file; use --merge to combine several")
        }
        if countBy != nil && (columns != nil || to == .star) {
            throw ValidationError("--count-by prints counts; it cannot be combined with --columns or --to star")
        }
        try refuseOverwritingInputs(outputs: [out], inputs: expandPaths(files))
        for c in conditions {
            do { _ = try STARCondition(parsing: c) } catch { throw ValidationError("--where: \(error)") }
        }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let paths = expandPaths(files)
        do {
            if merge {
                try runSelection(paths: paths)
            } else if countBy != nil || selecting {
                try runSelection(paths: paths)
            } else {
                try runSummary(paths: paths)
            }
        } catch is BrokenPipe {
            throw ExitCode.success
        } catch let e as ExitCode {
            throw e
        } catch {
            report(error)
            throw ExitCode(1)
        }
    }

    // MARK: summary

    func runSummary(paths: [String]) throws {
        var all: [STARFileSummary] = []
        try forEachFile(paths, label: "star") { path in
            let s = STARFileSummary(try STARDocumentSummary.read(path))
            if json { all.append(s) } else { try StandardOutput.write(s.text()) }
        }
        if json { try StandardOutput.json(paths.count == 1 && all.count == 1 ? AnyEncodable(all[0]) : AnyEncodable(all)) }
    }

    // MARK: selection, counts, merge

    func runSelection(paths: [String]) throws {
        if let cb = countBy, conditions.isEmpty, !merge, paths.count == 1 {
            // Counting a whole table: big loops are counted while scanned, without an index of their cells.
            let counted = try STARCountedDocument.read(paths[0], countingBy: cb)
            try printCounts(try counted.counts(block: try targetBlock(in: counted.document), table: 0), column: counted.column)
            return
        }
        var docs: [STARDocument] = []
        for p in paths { docs.append(try STARDocument.read(p)) }
        let first = docs[0]
        let version: String? = first.blocks.contains { $0.version != nil } ? "# version 30001" : nil
        if block == nil && columns == nil && conditions.isEmpty && !merge && countBy == nil && (to ?? .star) == .star {
            // The whole file, rewritten in RELION's layout.
            try emit { sink in try STARWriter.write(first, versionComment: version, to: sink) }
            return
        }
        let blockIndex = try targetBlock(in: first)
        let name = first.blocks[blockIndex].name
        var table = try first.blocks[blockIndex].requireTable()
        if merge {
            var tables = [table]
            for d in docs.dropFirst() {
                guard let b = d.block(name), let t = b.table else { throw STARError.missingBlock(path: d.path, block: "\(name) (a loop)") }
                tables.append(t)
            }
            table = try STARTable.concatenating(tables)
        }
        let parsed = try conditions.map { try STARCondition(parsing: $0) }
        table = try table.filtered(parsed)
        if let cb = countBy {
            try printCounts(try table.counts(by: cb), column: STARTable.normalise(cb))
            return
        }
        if let cols = columns {
            table = try table.selecting(columnNames: cols.split(separator: ",").map { $0.trimmingBlanks() })
        }
        switch to ?? .star {
        case .star:
            var doc = first
            doc.blocks[blockIndex].tables[0] = table
            try emit { sink in try STARWriter.write(doc, versionComment: version, to: sink) }
        case .csv:
            try emit { sink in try STARExport.csv(table, to: sink) }
        case .json:
            try emit { sink in try STARExport.json(table, to: sink) }
        }
    }

    /// The block to work on: --block, else `particles`, else the first block with a loop.
    func targetBlock(in doc: STARDocument) throws -> Int {
        if let b = block {
            let n = b.hasPrefix("data_") ? String(b.dropFirst(5)) : b
            guard let i = doc.blocks.firstIndex(where: { $0.name == n }) else { throw STARError.missingBlock(path: doc.path, block: n) }
            guard !doc.blocks[i].tables.isEmpty else { throw STARError.missingBlock(path: doc.path, block: "\(n) (a loop)") }
            return i
        }
        if let i = doc.blocks.firstIndex(where: { $0.name == "particles" && !$0.tables.isEmpty }) { return i }
        if let i = doc.blocks.firstIndex(where: { !$0.tables.isEmpty }) { return i }
        throw STARError.missingBlock(path: doc.path, block: "any block with a loop")
    }

    func printCounts(_ counts: [(value: String, count: Int)], column: String) throws {
        struct Count: Encodable { let value: String; let count: Int }
        if json || to == .json {
            try StandardOutput.json(counts.map { Count(value: $0.value, count: $0.count) })
        } else if to == .csv {
            try StandardOutput.write(STARExport.csvField(column) + ",count\n" + counts.map { "\(STARExport.csvField($0.value)),\($0.count)\n" }.joined())
        } else {
            let w = max(column.count, counts.map { $0.value.count }.max() ?? 0)
            var text = column.padded(to: w) + "  count\n"
            for c in counts { text += c.value.padded(to: w) + "  \(c.count)\n" }
            try StandardOutput.write(text)
        }
    }

    /// Send streamed output to --out (atomically) or standard output.
    func emit(_ body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        if let path = out {
            try AtomicFile.write(to: path) { fd in try body { try AtomicFile.writeAll(fd: fd, $0, path: path) } }
        } else {
            try body { try StandardOutput.write($0) }
        }
    }
}

/// Output formats of `emtools star`.
enum STAROutputFormat: String, ExpressibleByArgument, CaseIterable { case star, csv, json }
