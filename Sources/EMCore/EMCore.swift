/// EMCore: MRC2014 maps, projections and pictures, Fourier shell correlation, STAR files and PCA.
///
/// Folders: `MRC/` (header, modes, reading, writing, validation), `Volume/` (the in-memory map, statistics,
/// projections, slices), `Fourier/` (FFTW plans, FSC), `STAR/` (documents, parser, writer), `Linalg/`
/// (matrices, PCA over OpenBLAS/LAPACKE), `Image/` (PNG, Cairo canvas, galleries, plots), `Support/`
/// (memory-mapped and compressed files, atomic writes, Dispatch parallelism).
public enum EMCoreInfo {
    /// The emtools version string.
    public static let version = "0.1.0"
}
