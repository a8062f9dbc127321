import EMCore
import Foundation
import Testing
import TestSupport

/// emtools' multi-body PCA against `relion_flex_analyse --PCA_orient` (RELION 3.1.3) on the same generated job.
@Suite(.serialized) struct MultiBodyRelionTests {
    @Test func bodiesGetRelionsCentresOfMassAndOrientations() throws {
        let job = try MultiBodyTestJob()
        defer { job.remove() }
        let files = try MultiBodyJob.locate(job.job)
        #expect(files.bodiesPath.hasSuffix("/bodies.star"))
        let bodies = try BodyDefinition.read(files.bodiesPath, projectDirectory: files.projectDirectory)
        #expect(bodies.map(\.centreOfMass) == [SIMD3(-6, -1, 0), SIMD3(6, 2, 1)])
        #expect(bodies.map(\.rotateRelativeTo) == [2, 1])
        // alignWithZ(−direction) takes −direction onto +z.
        for b in bodies {
            let z = b.orientation * (-b.rotateDirection)
            #expect(abs(z.x) < 1e-12 && abs(z.y) < 1e-12 && abs(z.z - 1) < 1e-12)
        }
    }

    @Test func weightsEigenvaluesVectorsAndAmplitudesMatchRelion() throws {
        let job = try MultiBodyTestJob()
        defer { job.remove() }
        let relion = try job.relion()
        let analysis = try MultiBodyAnalysis(job: try MultiBodyJob.locate(job.job))
        // Column weights: RELION writes 7 significant digits.
        for (mine, theirs) in zip(analysis.parameters.weights, relion.weights) {
            for (a, b) in zip(mine, theirs) { #expect(abs(a - b) <= 2e-6 * b, "weight \(a) vs RELION \(b)") }
        }
        // Percentages of variance: RELION prints 6 decimals.
        let mine = analysis.pca.explainedFraction.map { 100 * $0 }
        #expect(relion.percents.count == 12)
        for k in 0 ..< 12 { #expect(abs(mine[k] - relion.percents[k]) < 2e-5, "component \(k + 1): \(mine[k]) % vs RELION \(relion.percents[k]) %") }
        // Eigenvectors up to sign (RELION's Jacobi solver chooses signs freely), and the amplitudes with them.
        for k in 0 ..< 6 {
            let a = analysis.pca.eigenvectors.row(k), b = relion.eigenvectors.row(k)
            let sign: Double = zip(a, b).map(*).reduce(0, +) < 0 ? -1 : 1
            #expect(zip(a, b).allSatisfy { abs($0 - sign * $1) < 1e-5 }, "eigenvector \(k + 1)")
            for r in 0 ..< analysis.amplitudes.rows {
                #expect(abs(analysis.amplitudes[r, k] - sign * relion.projections[r, k]) < 1e-4 * max(1, abs(relion.projections[r, k])))
            }
        }
        let names = try analysis.parameters.data.requireBlock("particles").requireTable().strings("rlnImageName")
        #expect(names == relion.projectionNames)
        // "The first K eigenvectors explain X % of the variance" for RELION's default --v 0.75.
        let line = relion.stdout.split(separator: "\n").first { $0.contains("eigenvectors explain") }!.split(separator: " ")
        let k = Int(line[line.firstIndex(of: "first")! + 1])!
        #expect(analysis.pca.componentsExplaining(0.75) == k)
        #expect(abs(100 * analysis.pca.cumulativeFraction[k - 1] - Double(line[line.firstIndex(of: "explain")! + 1])!) < 2e-5)
        let headline = analysis.summary.headline()
        #expect(headline.hasPrefix(String(format: "PC1 %.1f %%, PC2 %.1f %%", relion.percents[0], relion.percents[1])))
        #expect(headline.hasSuffix("of 12 columns over 300 rows"))
        #expect(analysis.parameters.columnNames.prefix(7) == ["rot-body-1", "tilt-body-1", "psi-body-1", "x-body-1", "y-body-1", "z-body-1", "rot-body-2"])
    }

    @Test func threeBodiesMatchRelion() throws {
        let job = try MultiBodyTestJob(seed: 5, layout: "three")
        defer { job.remove() }
        let relion = try job.relion()
        let analysis = try MultiBodyAnalysis(job: try MultiBodyJob.locate(job.job))
        #expect(analysis.parameters.bodyCount == 3 && analysis.parameters.columnNames.count == 18)
        for (mine, theirs) in zip(analysis.parameters.weights, relion.weights) {
            for (a, b) in zip(mine, theirs) { #expect(abs(a - b) <= 2e-6 * b, "weight \(a) vs RELION \(b)") }
        }
        let mine = analysis.pca.explainedFraction.map { 100 * $0 }
        #expect(relion.percents.count == 18)
        for k in 0 ..< 18 { #expect(abs(mine[k] - relion.percents[k]) < 2e-5, "component \(k + 1): \(mine[k]) % vs RELION \(relion.percents[k]) %") }
    }

    /// Without rlnBodyRotateRelativeTo, RELION 3.1.3 cannot run: `initialiseBodies` subtracts a 3-vector from
    /// an empty one and stops with "Not same sizes in vector subtraction" (ml_model.cpp). emtools follows the
    /// code's intent (rotate about the box centre); this is the one layout compared with RELION's intent only.
    @Test func bodiesWithoutRelativeToRotateAboutTheCentreWhereRelionStops() throws {
        let job = try MultiBodyTestJob(seed: 2, layout: "centre")
        defer { job.remove() }
        let r = try job.runRelion()
        #expect(r.stdout.contains("Not same sizes in vector subtraction") || r.stderr.contains("Not same sizes in vector subtraction"),
                "RELION now runs this layout: compare its numbers here instead")
        let files = try MultiBodyJob.locate(job.job)
        let bodies = try BodyDefinition.read(files.bodiesPath, projectDirectory: files.projectDirectory)
        #expect(bodies.allSatisfy { $0.rotateRelativeTo == nil })
        for b in bodies {
            let towardsCentre = -b.centreOfMass / (b.centreOfMass * b.centreOfMass).sum().squareRoot()
            #expect(((b.rotateDirection - towardsCentre) * (b.rotateDirection - towardsCentre)).sum() < 1e-20)
        }
        let analysis = try MultiBodyAnalysis(job: files)
        #expect(abs(analysis.pca.cumulativeFraction.last! - 1) < 1e-12)
    }

    @Test func selectionMatchesRelionsSelectEigenvalue() throws {
        let job = try MultiBodyTestJob()
        defer { job.remove() }
        let relion = try job.relion(select: (component: 1, min: -2, max: 3))
        let analysis = try MultiBodyAnalysis(job: try MultiBodyJob.locate(job.job))
        let flipped = zip(analysis.pca.eigenvectors.row(0), relion.eigenvectors.row(0)).map(*).reduce(0, +) < 0
        let (lo, hi) = flipped ? (-3.0, 2.0) : (-2.0, 3.0)
        let (doc, count) = try analysis.selection(component: 1, min: lo, max: hi)
        let names = try doc.requireBlock("particles").requireTable().strings("rlnImageName")
        #expect(count == names.count)
        #expect(count > 50 && count < 300)
        #expect(names == relion.selectionNames)
        #expect(doc.blocks.map(\.name) == ["optics", "particles"])
    }

    @Test func relionsWeightsFileGivesTheSameTable() throws {
        let job = try MultiBodyTestJob()
        defer { job.remove() }
        let relion = try job.relion()
        let files = try MultiBodyJob.locate(job.job)
        let computed = try MultiBodyParameters.read(files)
        let given = try MultiBodyParameters.read(files, weights: relion.weights)
        #expect(given.weights == relion.weights)
        let scale = computed.table.values.map(abs).max()!
        #expect(computed.table.maxAbsoluteDifference(given.table) < 1e-5 * scale)
    }

    @Test func unfinishedJobUsesTheLatestIteration() throws {
        let job = try MultiBodyTestJob()
        defer { job.remove() }
        let fm = FileManager.default
        try fm.moveItem(atPath: job.job + "/run_data.star", toPath: job.job + "/run_it012_data.star")
        try fm.copyItem(atPath: job.job + "/run_it012_data.star", toPath: job.job + "/run_it004_data.star")
        try fm.moveItem(atPath: job.job + "/run_model.star", toPath: job.job + "/run_it012_half1_model.star")
        let files = try MultiBodyJob.locate(job.job)
        #expect(files.dataPath.hasSuffix("run_it012_data.star") && files.modelPath.hasSuffix("run_it012_half1_model.star"))
        // Without job.star the bodies file comes from note.txt.
        try fm.removeItem(atPath: job.job + "/job.star")
        #expect(try MultiBodyJob.locate(job.job).bodiesPath.hasSuffix("/bodies.star"))
    }

    @Test func badJobsGiveOneLineErrors() throws {
        let job = try MultiBodyTestJob(particles: 10)
        defer { job.remove() }
        let files = try MultiBodyJob.locate(job.job)
        #expect(throws: MultiBodyError.tooFewParticles(path: files.dataPath, particles: 10, needed: 12)) { try MultiBodyParameters.read(files) }
        #expect(throws: FileError.notFound(path: job.project + "/nope")) { try MultiBodyJob.locate(job.project + "/nope") }
        // One body in the bodies file, two in the data.
        let one = job.project + "/one_body.star"
        try "data_\nloop_\n_rlnBodyMaskName\nMasks/body1.mrc\n".write(toFile: one, atomically: true, encoding: .utf8)
        #expect(throws: MultiBodyError.bodyCountMismatch(path: files.dataPath, dataBodies: 2, definedBodies: 1)) {
            try MultiBodyParameters.read(try MultiBodyJob.locate(job.job, bodies: one))
        }
        // A refinement without body tables.
        let plain = job.project + "/Refine3D/job002"
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: files.dataPath, encoding: .utf8)
        try String(text[..<text.range(of: "data_images_body_1")!.lowerBound]).write(toFile: plain + "/run_data.star", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: files.modelPath, toPath: plain + "/run_model.star")
        let p = try MultiBodyJob.locate(plain, bodies: files.bodiesPath)
        #expect(throws: MultiBodyError.notMultiBody(path: p.dataPath)) { try MultiBodyParameters.read(p) }
        // No bodies file anywhere.
        try FileManager.default.removeItem(atPath: job.job + "/job.star")
        try FileManager.default.removeItem(atPath: job.job + "/note.txt")
        let e = #expect(throws: MultiBodyError.self) { try MultiBodyJob.locate(job.job) }
        #expect(e?.description.contains("give it with --bodies") == true)
        // A mask with values above 1.
        var mask = try MRCFile.open(job.project + "/Masks/body1.mrc").readVolume()
        mask.data[0] = 2
        _ = try MRCWriter.write(mask, to: job.project + "/Masks/body1.mrc")
        let b = #expect(throws: MultiBodyError.self) { try BodyDefinition.read(files.bodiesPath, projectDirectory: files.projectDirectory) }
        #expect(b?.description.contains("Masks/body1.mrc: mask values must lie in 0…1") == true)
        // A weights file with a broken line.
        try "body rot tilt psi offset\n1 0.1 0.2\n".write(toFile: job.project + "/w.dat", atomically: true, encoding: .utf8)
        #expect(throws: MultiBodyError.badWeights(path: job.project + "/w.dat", reason: "line 2 should be 'BODY ROT TILT PSI OFFSET'")) {
            try MultiBodyParameters.readWeights(job.project + "/w.dat")
        }
    }
}
