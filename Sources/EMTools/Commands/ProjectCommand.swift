import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools project MAP…`: sum or maximum-intensity projections along axes or at RELION Euler angles, as PNG.
struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Write projections of maps as PNG pictures, one per map and view, or one gallery of many maps.",
        discussion: """
        Each map gives <name>_proj_<view>.png next to it (or in --out), e.g. map_proj_z.png, map_proj_r30_t60_p0.png; \
        with --max, <name>_max_<view>.png. Pictures are shown y up, as RELION and Chimera show maps.
        Angles are RELION's (rot, tilt, psi in degrees, ZYZ): tilt 90 looks along x, rot 90 + tilt 90 along y.
        Examples:
          emtools project map.mrc
          emtools project map.mrc --axis all --size 512 --contrast sigma:3
          emtools project map.mrc --angles 30,60,-10 --angles=-45,90,0 --max
          emtools project Class3D/job012/run_it025_class*.mrc --gallery classes.png --model Class3D/job012/run_it025_model.star
        """
    )

    @Argument(help: "MRC maps (any mode, optionally .gz/.bz2) or glob patterns.")
    var files: [String]

    @Option(help: ArgumentHelp("Project along x, y, z or all three (default z, or none when --angles is given).", valueName: "AXIS"))
    var axis: String?

    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Project at RELION Euler angles ROT,TILT,PSI in degrees (repeatable).", valueName: "ROT,TILT,PSI"))
    var angles: [String] = []

    @Flag(name: .customLong("max"), help: "Maximum-intensity projection instead of the sum along each ray.")
    var maximum = false

    @OptionGroup var picture: PictureOptions

    func validate() throws {
        if let a = axis, a != "all", VolumeAxis(rawValue: a) == nil { throw ValidationError("--axis must be x, y, z or all, got '\(a)'") }
        for a in angles where EulerAngles(argument: a) == nil {
            throw ValidationError("--angles '\(a)': give three numbers ROT,TILT,PSI in degrees, e.g. 30,60,-10")
        }
        try picture.refuseOutputsOverInputs(files)
    }

    /// The views asked for: axes first, then orientations, in the order given.
    var views: [MapView] {
        let axes: [VolumeAxis]
        switch axis {
        case nil: axes = angles.isEmpty ? [.z] : []
        case "all": axes = VolumeAxis.allCases
        case let a?: axes = [VolumeAxis(rawValue: a)!]
        }
        return axes.map { .axis($0) } + angles.map { .angles(EulerAngles(argument: $0)!) }
    }

    func run() throws {
        let prefix = maximum ? "max_" : "proj_"
        try PictureJobs(nameTag: { prefix + $0.tag }, views: views, kind: maximum ? .maximum : .sum,
                        options: picture, label: "project").run(files)
    }
}
