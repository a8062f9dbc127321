import COpenBLAS
@testable import EMCore
import Foundation
import Testing

@Suite struct PCAKnownAnswerTests {
    @Test func recoversPlantedEigenvaluesAndDirections() throws {
        let t = PlantedTable(rows: 40_000, variances: [9, 4, 1], columns: 6, noise: 0.1, seed: 7)
        let pca = try PCA(t.data)
        // Expected eigenvalues: planted variance + noise variance; the remaining three are the noise alone.
        let expected = t.variances.map { $0 + 0.01 } + [0.01, 0.01, 0.01]
        for k in 0 ..< 6 {
            #expect(abs(pca.eigenvalues[k] - expected[k]) / expected[k] < 0.04, "eigenvalue \(k + 1): \(pca.eigenvalues[k]) vs \(expected[k])")
        }
        for k in 0 ..< 3 {
            let dot = zip(pca.eigenvectors.row(k), t.directions.row(k)).map(*).reduce(0, +)
            #expect(abs(dot) > 0.999, "direction \(k + 1): |cos| = \(abs(dot))")
        }
        #expect(abs(pca.explainedFraction[0] - 9.01 / 14.06) < 0.01)
        #expect(abs(pca.cumulativeFraction[5] - 1) < 1e-12)
        #expect(pca.componentsExplaining(0.9) == 2)
        #expect(pca.means.enumerated().allSatisfy { abs($1 - (Double($0) * 10 - 3)) < 0.05 })
    }

    @Test func eigenvaluesAreSortedAndVectorsOrthonormalWithPositiveLargestComponent() throws {
        let t = PlantedTable(rows: 2000, variances: [5, 3, 2, 1], columns: 8, noise: 0.3, seed: 11)
        let pca = try PCA(t.data)
        #expect(zip(pca.eigenvalues, pca.eigenvalues.dropFirst()).allSatisfy { $0 >= $1 })
        let gram = pca.eigenvectors.multiplied(by: pca.eigenvectors, transposingOther: true)
        #expect(gram.maxAbsoluteDifference(.identity(8)) < 1e-12)
        for k in 0 ..< 8 {
            let row = pca.eigenvectors.row(k)
            let big = row.max { abs($0) < abs($1) }!
            #expect(big > 0)
        }
    }

    @Test func amplitudesHaveTheEigenvaluesAsVariance() throws {
        let t = PlantedTable(rows: 5000, variances: [4, 1], columns: 3, noise: 0.2, seed: 3)
        for divisor in [Covariance.Divisor.sample, .population] {
            let pca = try PCA(t.data, divisor: divisor)
            let a = pca.project(t.data)
            let d = Double(divisor == .sample ? a.rows - 1 : a.rows)
            for k in 0 ..< 3 {
                let col = a.column(k)
                let mean = col.reduce(0, +) / Double(col.count)
                let variance = col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / d
                #expect(abs(mean) < 1e-9)
                #expect(abs(variance - pca.eigenvalues[k]) < 1e-9 * max(1, pca.eigenvalues[k]))
            }
        }
    }

    @Test func covarianceMatchesTheDefinitionAcrossBlocks() {
        // Enough rows for several dsyrk blocks per thread and for the split over threads (at least 4 blocks
        // per part), with a partial last block.
        let t = PlantedTable(rows: Covariance.blockRows * 9 + 123, variances: [2, 1], columns: 4, noise: 0.5, seed: 5)
        let c = Covariance.matrix(of: t.data)
        let mu = Covariance.columnMeans(t.data)
        let n = t.data.rows
        for i in 0 ..< 4 {
            for j in 0 ..< 4 {
                var s = 0.0
                for r in 0 ..< n { s += (t.data[r, i] - mu[i]) * (t.data[r, j] - mu[j]) }
                #expect(abs(c[i, j] - s / Double(n - 1)) < 1e-10 * max(1, abs(c[i, j])))
            }
        }
    }

    @Test func onePassCovarianceKeepsPrecisionWithLargeMeans() {
        // Means of 1e6 and spreads of 0.01 (ratio 1e8): Σxxᵀ − Nμμᵀ would lose every digit; the shifted
        // one-pass form must agree with exact two-pass centring. More rows than a block, and a drift along
        // the rows, so the first block's mean differs from the final one.
        var rng = PCARandom(seed: 17)
        let n = Covariance.blockRows * 2 + 500
        var m = Matrix(rows: n, columns: 3)
        for r in 0 ..< n {
            let drift = 0.02 * Double(r) / Double(n)
            m[r, 0] = 1e6 + drift + 0.01 * rng.normal()
            m[r, 1] = -2e6 + 0.01 * rng.normal()
            m[r, 2] = 1e6 + 0.5 * (m[r, 0] - 1e6) + 0.005 * rng.normal()
        }
        let (mu, onePass) = Covariance.meansAndMatrix(of: m)
        let exactMeans = Covariance.columnMeans(m)
        let twoPass = Covariance.matrix(of: m, means: exactMeans)
        #expect(zip(mu, exactMeans).allSatisfy { abs($0 - $1) < 1e-10 * abs($1) })
        #expect(onePass.maxAbsoluteDifference(twoPass) < 1e-9 * twoPass[0, 0])
        #expect(twoPass[0, 0] > 1e-4)   // (0.01)² plus the drift's variance
    }

    @Test func symmetricEigenOfKnownMatricesWithBothDrivers() throws {
        for driver in [SymmetricEigen.Driver.relativelyRobust, .divideAndConquer] {
            let e = try SymmetricEigen(Matrix([[2, 1], [1, 2]]), driver: driver)
            #expect(abs(e.values[0] - 3) < 1e-14 && abs(e.values[1] - 1) < 1e-14)
            let s = 1 / 2.0.squareRoot()
            #expect(e.vectors.maxAbsoluteDifference(Matrix([[s, s], [s, -s]])) < 1e-14
                    || e.vectors.maxAbsoluteDifference(Matrix([[s, s], [-s, s]])) < 1e-14)
            // A random symmetric 60×60: A·v = λ·v and both drivers agree on the eigenvalues.
            var rng = PCARandom(seed: 99)
            var a = Matrix(rows: 60, columns: 60)
            for i in 0 ..< 60 { for j in i ..< 60 { let v = rng.normal(); a[i, j] = v; a[j, i] = v } }
            let big = try SymmetricEigen(a, driver: driver)
            let av = a.multiplied(by: big.vectors, transposingOther: true)   // column k = A·v_k
            for k in 0 ..< 60 { for i in 0 ..< 60 { #expect(abs(av[i, k] - big.values[k] * big.vectors[k, i]) < 1e-10) } }
            let other = try SymmetricEigen(a, driver: driver == .relativelyRobust ? .divideAndConquer : .relativelyRobust)
            #expect(zip(big.values, other.values).allSatisfy { abs($0 - $1) < 1e-10 })
        }
    }

    @Test func standardisationAnalysesTheCorrelationMatrix() throws {
        var rng = PCARandom(seed: 21)
        // Column 2 = 1000 × column 1 + small noise: without standardisation it dominates, with it the two are equal.
        let rows = (0 ..< 3000).map { _ -> [Double] in let x = rng.normal(); return [x, 1000 * x + 10 * rng.normal(), rng.normal()] }
        let data = Matrix(rows)
        let raw = try PCA(data)
        #expect(raw.explainedFraction[0] > 0.999)
        let std = try PCA(data, standardize: true)
        #expect(std.standardized)
        #expect(abs(std.eigenvalues.reduce(0, +) - 3) < 1e-9)       // trace of a correlation matrix
        let v = std.eigenvectors.row(0)
        #expect(abs(abs(v[0]) - abs(v[1])) < 0.01 && abs(v[2]) < 0.05)
        #expect(abs(std.scales[1] - 1000) / 1000 < 0.05)
    }

    @Test func constantColumnIsZeroVarianceOrRefusedWhenStandardising() throws {
        var rng = PCARandom(seed: 2)
        let data = Matrix((0 ..< 100).map { _ in [rng.normal(), 7.25, rng.normal()] })
        let pca = try PCA(data, columnNames: ["a", "k", "b"])
        #expect(abs(pca.eigenvalues[2]) < 1e-12)
        #expect(pca.explainedFraction[2] < 1e-12)
        #expect(abs(pca.eigenvectors[2, 1]) > 0.999999)     // the null direction is the constant column
        #expect(throws: PCAError.constantColumn(source: "t.star", column: "k")) {
            try PCA(data, columnNames: ["a", "k", "b"], source: "t.star", standardize: true)
        }
        let allConstant = try PCA(Matrix([[1, 2], [1, 2], [1, 2]]))
        #expect(allConstant.explainedFraction == [0, 0])
    }

    @Test func badTablesGiveOneLineErrorsNamingTheColumn() {
        #expect(throws: PCAError.tooFewRows(source: "x.star", rows: 1, needed: 2)) { try PCA(Matrix([[1, 2]]), source: "x.star") }
        #expect(throws: PCAError.noColumns(source: "x.star")) { try PCA(Matrix(rows: 5, columns: 0), source: "x.star") }
        #expect(throws: PCAError.tooManyColumns(source: "x.star", columns: 4097, limit: 4096)) {
            try PCA(Matrix(rows: 2, columns: 4097), source: "x.star")
        }
        let nan = Matrix([[1, 2], [3, .nan], [5, 6]])
        // NaN != NaN, so compare the message rather than the payload.
        let error = #expect(throws: PCAError.self) { try PCA(nan, columnNames: ["a", "b"], source: "x.star") }
        #expect(error?.description == "x.star: column 'b', row 2: value nan is not finite; PCA needs finite numbers")
        #expect(PCAError.tooFewRows(source: "x.star", rows: 1, needed: 2).description == "x.star: 1 row, but PCA needs at least 2")
        #expect(LAPACKError(function: "LAPACKE_dsyevr", info: -6).description.contains("argument 6"))
        #expect(LAPACKError(function: "LAPACKE_dsyevd", info: 3).description.contains("info 3"))
    }

    @Test func selectionIsStrictLikeRelion() {
        let a = Matrix([[-2, 0], [-1, 0], [0, 0], [1, 0], [2, 0]])
        #expect(PCA.select(a, component: 1, min: -1, max: 1) == [2])
        #expect(PCA.select(a, component: 1, min: -1.5) == [1, 2, 3, 4])
        #expect(PCA.select(a, component: 2, max: 0).isEmpty)
    }

    @Test func matrixFromSTARColumnsNamesTheBadCell() throws {
        let doc = try STARDocument.parse("data_p\nloop_\n_a\n_b\n1 2\n3 x\n", path: "t.star")
        let t = try doc.requireBlock("p").requireTable()
        #expect(try Matrix(columns: ["a"], of: t) == Matrix([[1], [3]]))
        #expect(throws: STARError.notANumber(path: "t.star", block: "p", column: "b", row: 2, value: "x")) { try Matrix(columns: ["a", "b"], of: t) }
        #expect(throws: STARError.missingColumn(path: "t.star", block: "p", column: "c")) { try Matrix(columns: ["c"], of: t) }
    }
}

/// Covariance keeps OpenBLAS to one thread per call while its own workers run, and gives the count back.
@Suite(.serialized) struct BLASThreadsTests {
    @Test func serialLimitsOpenBLASAndRestoresItsThreadCount() throws {
        let before = openblas_get_num_threads()
        let inside = BLASThreads.serial { openblas_get_num_threads() }
        #expect(inside == 1)
        #expect(openblas_get_num_threads() == before)
        // The covariance of a table large enough to be split over the cores is the same either way.
        let t = PlantedTable(rows: 200_000, variances: [4, 1], columns: 5, noise: 0.2, seed: 5)
        let c = Covariance.matrix(of: t.data)
        #expect(openblas_get_num_threads() == before)
        let reference = Covariance.matrix(of: t.data, means: Covariance.columnMeans(t.data))
        #expect(c.maxAbsoluteDifference(reference) < 1e-9)
    }

    /// Amplitudes computed block by block on every core equal the definition Σ_j v_kj·(x_j − mean_j)/scale_j.
    @Test func amplitudesOfALargeTableMatchTheDefinition() throws {
        let t = PlantedTable(rows: 150_000, variances: [4, 2, 1], columns: 6, noise: 0.3, seed: 9)
        let pca = try PCA(t.data, standardize: true)
        let a = pca.project(t.data, components: 2)
        #expect(a.rows == 150_000 && a.columns == 2)
        for r in [0, 16_383, 16_384, 74_999, 75_000, 149_999] {
            for k in 0 ..< 2 {
                var expected = 0.0
                for j in 0 ..< 6 {
                    expected += pca.eigenvectors.values[k * 6 + j] * (t.data.values[r * 6 + j] - pca.means[j]) / pca.scales[j]
                }
                #expect(abs(a.values[r * 2 + k] - expected) < 1e-9, "row \(r), component \(k + 1)")
            }
        }
    }
}
