import EMCore
import Foundation
import Testing
import TestSupport

/// RELION 3.0, 3.1, 4.0 and 5.0 layouts: default_pipeline.star and run_model.star.
@Suite struct STARVersionLayoutTests {
    static let pipelineBlocks = ["pipeline_general", "pipeline_processes", "pipeline_nodes", "pipeline_input_edges", "pipeline_output_edges"]

    @Test(arguments: [("relion30_default_pipeline.star", nil as Int?), ("relion31_default_pipeline.star", 30001),
                      ("relion40_default_pipeline.star", 30001), ("relion50_default_pipeline.star", 50001)])
    func pipelines(file: String, version: Int?) throws {
        let doc = try STARDocument.read(STARFixtures.path(file))
        #expect(doc.blocks.map(\.name) == Self.pipelineBlocks)
        #expect(doc.blocks.allSatisfy { $0.version == version })
        let counter = try #require(doc.blocks[0].int("rlnPipeLineJobCounter"))
        let processes = try doc.requireBlock("pipeline_processes").requireTable()
        #expect(counter > processes.rowCount)
        #expect(try processes.strings("rlnPipeLineProcessName").allSatisfy { $0.hasSuffix("/") })
        if version == 50001 || file.contains("40") {
            let status = try processes.strings("rlnPipeLineProcessStatusLabel")
            #expect(status.allSatisfy { ["Running", "Scheduled", "Succeeded", "Failed", "Aborted"].contains($0) })
            #expect(try processes.strings("_rlnPipeLineProcessTypeLabel").allSatisfy { $0.hasPrefix("relion.") })
            #expect(try doc.requireBlock("pipeline_nodes").requireTable().ints("rlnPipeLineNodeTypeLabelDepth").allSatisfy { $0 == 1 })
        } else {
            #expect(try processes.ints("rlnPipeLineProcessType") == [0, 1])
            #expect(try processes.ints("rlnPipeLineProcessStatus") == [2, 2])
            #expect(try processes.strings("rlnPipeLineProcessAlias") == ["Import/movies/", "None"])
        }
        let inputs = try doc.requireBlock("pipeline_input_edges").requireTable()
        let nodes = Set(try doc.requireBlock("pipeline_nodes").requireTable().strings("rlnPipeLineNodeName"))
        #expect(try inputs.strings("rlnPipeLineEdgeFromNode").allSatisfy(nodes.contains))
    }

    /// RELION 3.0, 3.1 and 4.0 files are written back byte for byte (3.0 without version lines).
    @Test(arguments: ["relion30_default_pipeline.star", "relion31_default_pipeline.star", "relion40_default_pipeline.star",
                      "relion31_run_model.star", "relion31_particles.star"])
    func writtenBackIdentically(file: String) throws {
        let path = STARFixtures.path(file)
        let doc = try STARDocument.read(path)
        let original = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        #expect(STARWriter.render(doc, versionComment: file.contains("30_") ? nil : "# version 30001") == original)
    }

    /// RELION 5 files (no trailing spaces, empty closing lines) keep their layout: written back byte for byte.
    @Test(arguments: ["relion50_default_pipeline.star", "relion50_run_model.star", "relion50_tomograms.star"])
    func relion5WrittenBackIdentically(file: String) throws {
        let path = STARFixtures.path(file)
        let doc = try STARDocument.read(path)
        #expect(doc.layout == .trimmed)
        #expect(STARWriter.render(doc) == String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
    }

    /// The layout is told from the first `loop_` line, or from the closing line of a key–value list.
    @Test func layoutIsDetected() throws {
        #expect(try STARDocument.parse("data_a\n\nloop_ \n_x #1 \n1 \n \n").layout == .relion)
        #expect(try STARDocument.parse("data_a\n\nloop_\n_x #1\n1\n\n").layout == .trimmed)
        #expect(try STARDocument.parse("data_a\n\n_x   1\n \n").layout == .relion)
        #expect(try STARDocument.parse("data_a\n\n_x   1\n\n").layout == .trimmed)
        #expect(try STARDocument.parse("").layout == .relion)
        // A document built in memory is written in RELION's layout.
        var built = STARDocument()
        built.blocks.append(STARBlock(name: "b", pairs: [(key: "rlnX", value: "1")]))
        #expect(STARWriter.render(built).hasSuffix(" \n"))
    }

    /// RELION 5 files written in the other layout (as RELION 3.1/4 would) keep their values, blocks and versions.
    @Test(arguments: ["relion50_default_pipeline.star", "relion50_run_model.star", "relion50_tomograms.star"])
    func relion5ValuesSurviveRewriting(file: String) throws {
        var doc = try STARDocument.read(STARFixtures.path(file))
        doc.layout = .relion
        let again = try STARDocument.parse(STARWriter.render(doc))
        #expect(again.blocks.map(\.name) == doc.blocks.map(\.name))
        #expect(again.blocks.map(\.version) == doc.blocks.map { _ in 50001 })
        for (a, b) in zip(doc.blocks, again.blocks) {
            #expect(a.pairs.map(\.key) == b.pairs.map(\.key) && a.pairs.map(\.value) == b.pairs.map(\.value))
            #expect(a.tables.map(\.columns) == b.tables.map(\.columns))
            for (s, t) in zip(a.tables, b.tables) { #expect((0 ..< s.rowCount).map(s.row) == (0 ..< t.rowCount).map(t.row)) }
        }
    }

    @Test func relion5Model() throws {
        let doc = try STARDocument.read(STARFixtures.path("relion50_run_model.star"))
        let general = try doc.requireBlock("model_general")
        #expect(general.int("rlnNrClasses") == 2)
        #expect(general.double("_rlnCurrentResolution") == 12.8)
        let classes = try doc.requireBlock("model_classes").requireTable()
        #expect(try classes.doubles("rlnClassDistribution").reduce(0, +) == 1.0)
        let ssnr = try doc.requireBlock("model_class_1").requireTable()
        #expect(try ssnr.doubles("rlnSsnrMap") == [12345, 812.5, 200.125])
    }

    @Test func relion5TomographyBlocksPerTiltSeries() throws {
        let doc = try STARDocument.read(STARFixtures.path("relion50_tomograms.star"))
        let global = try #require(doc.block(.global)?.table)
        let names = try global.strings("rlnTomoName")
        #expect(names == ["TS_01", "TS_03"])
        #expect(doc.blocks.dropFirst().map(\.name) == names)
        #expect(try doc.requireBlock("TS_01").requireTable().doubles("rlnTomoNominalStageTiltAngle") == [0, 3, -3])
        #expect(try doc.requireBlock("TS_03").requireTable().rowCount == 2)
        #expect(try global.doubles("rlnTomoHand") == [-1, -1])
    }

    @Test func relion31ModelHasEveryBlockRelionWrote() throws {
        let doc = try STARDocument.read(STARFixtures.path("relion31_run_model.star"))
        let names = doc.blocks.map(\.name)
        #expect(names.first == "model_general")
        #expect(names.contains("model_classes") && names.contains("model_class_1") && names.contains("model_class_2"))
        #expect(doc.blocks[0].int("rlnNrClasses") == 2)
        let classes = try doc.requireBlock("model_classes").requireTable()
        #expect(classes.rowCount == 2)
        #expect(abs(try classes.doubles("rlnClassDistribution").reduce(0, +) - 1) < 1e-5)
    }
}

/// The typed view of RELION particle files.
@Suite struct RELIONParticlesTests {
    @Test func relion31PixelSizeComesFromOptics() throws {
        let p = try RELIONParticles(STARDocument.read(STARFixtures.path("relion31_particles.star")))
        #expect(p.count == 20 && p.optics?.rowCount == 1)
        #expect(try p.pixelSizes() == Array(repeating: 2.0, count: 20))
    }

    @Test func relion30UsesMagnificationAndDetectorPixel() throws {
        let doc = try STARDocument.parse("data_\nloop_\n_rlnImageName\n_rlnMagnification\n_rlnDetectorPixelSize\n_rlnClassNumber\n1@a.mrcs 10000 5.0 2\n2@a.mrcs 20000 5.0 1\n3@a.mrcs 20000 5.0 2\n")
        let p = try RELIONParticles(doc)
        #expect(p.optics == nil)
        #expect(try p.pixelSizes() == [5.0, 2.5, 2.5])
        #expect(try p.classSizes().map(\.count) == [1, 2])
        #expect(try p.classSizes().map(\.classNumber) == [1, 2])
    }

    @Test func unknownOpticsGroupIsAnError() throws {
        let doc = try STARDocument.parse("data_optics\nloop_\n_rlnOpticsGroup\n_rlnImagePixelSize\n1 1.1\ndata_particles\nloop_\n_rlnImageName\n_rlnOpticsGroup\n1@a 1\n2@a 2\n", path: "x.star")
        #expect(throws: STARError.missingBlock(path: "x.star", block: "optics (group 2)")) { try RELIONParticles(doc).pixelSizes() }
        #expect(doc.block(.optics)?.table?.rowCount == 1)
        #expect(throws: STARError.self) { try RELIONParticles(STARDocument.parse("data_model_general\n_rlnNrClasses 1\n")) }
    }
}
