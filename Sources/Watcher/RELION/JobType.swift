/// A RELION job type, kept as RELION 4/5's type label (`relion.refine3d.helical`, `relion.class2d.em`, …).
/// RELION 3.1's integer process types are mapped to the same labels, so reports match on one spelling.
public struct JobType: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The full label as RELION writes it (lower case), e.g. `relion.class3d` or `relion.external`.
    public var label: String

    public init(label: String) { self.label = label.lowercased() }

    /// The job type of a RELION 3.1 `_rlnPipeLineProcessType` integer (pipeline_jobs.h of RELION 3.1);
    /// an unknown number becomes `relion.unknown.N`.
    public init(relion31Code code: Int) {
        let labels: [Int: String] = [
            0: "relion.import", 1: "relion.motioncorr", 2: "relion.ctffind", 3: "relion.manualpick",
            4: "relion.autopick", 5: "relion.extract", 7: "relion.select", 8: "relion.class2d",
            9: "relion.class3d", 10: "relion.refine3d", 12: "relion.maskcreate", 13: "relion.joinstar",
            14: "relion.subtract", 15: "relion.postprocess", 16: "relion.localres", 18: "relion.initialmodel",
            19: "relion.multibody", 20: "relion.polish", 21: "relion.ctfrefine", 99: "relion.external",
        ]
        self.init(label: labels[code] ?? "relion.unknown.\(code)")
    }

    /// The job kind this label starts with: `relion.refine3d.helical` is a `.refine3d`.
    public var kind: JobKind {
        let parts = label.split(separator: ".")
        guard parts.count >= 2, parts[0] == "relion" else { return .other }
        return JobKind(rawValue: String(parts[1])) ?? .other
    }

    public var description: String { label }
}

/// The job kinds the Watcher knows how to report on, named as the second word of RELION's type labels.
public enum JobKind: String, Codable, Sendable, CaseIterable {
    case `import`, motioncorr, ctffind, manualpick, autopick, extract, select, class2d, class3d, refine3d
    case maskcreate, joinstar, subtract, postprocess, localres, initialmodel, multibody, polish, ctfrefine
    case external, other
}
