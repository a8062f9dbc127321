import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools slice MAP… --axis z --index N`: one section of each map as PNG.
struct SliceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slice",
        abstract: "Write a section (slice) of maps as PNG pictures, one per map and axis, or one gallery.",
        discussion: """
        Each map gives <name>_slice_<axis><index>.png next to it (or in --out), e.g. map_slice_z64.png. The default \
        index is the centre, length/2 (RELION's origin). Pictures are shown y up, as RELION and Chimera show maps.
        Examples:
          emtools slice map.mrc
          emtools slice map.mrc --axis x --index 80 --contrast sigma:3
          emtools slice map.mrc --axis all --gallery map_slices.png
        """
    )

    @Argument(help: "MRC maps (any mode, optionally .gz/.bz2) or glob patterns.")
    var files: [String]

    @Option(help: ArgumentHelp("Cut across x, y, z or all three.", valueName: "AXIS"))
    var axis: String = "z"

    @Option(help: ArgumentHelp("Grid index of the section, 0-based (default: the centre).", valueName: "N"))
    var index: Int?

    @OptionGroup var picture: PictureOptions

    func validate() throws {
        if axis != "all", VolumeAxis(rawValue: axis) == nil { throw ValidationError("--axis must be x, y, z or all, got '\(axis)'") }
        if let i = index, i < 0 { throw ValidationError("--index must be 0 or more, got \(i)") }
        try picture.refuseOutputsOverInputs(files)
    }

    var views: [MapView] {
        let axes = axis == "all" ? VolumeAxis.allCases : [VolumeAxis(rawValue: axis)!]
        return axes.map { .slice($0, index: index) }
    }

    func run() throws {
        try PictureJobs(nameTag: { $0.tag }, views: views, kind: .sum, options: picture, label: "slice").run(files)
    }
}
