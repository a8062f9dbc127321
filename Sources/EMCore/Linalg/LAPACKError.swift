/// A failure reported by a LAPACKE routine, keeping the routine's name and its `info` code.
///
/// LAPACK's convention: `info < 0` means argument number `-info` was illegal (a bug in the caller);
/// `info > 0` means the algorithm did not converge (for `dsyevr`/`dsyevd`: an internal error or
/// `info` off-diagonal elements failed to converge), usually because the input holds NaN or Inf.
public struct LAPACKError: Error, Equatable, CustomStringConvertible {
    /// The LAPACKE function that failed, e.g. `"LAPACKE_dsyevr"`.
    public var function: String
    /// The `info` value it returned (never 0).
    public var info: Int32

    public init(function: String, info: Int32) { self.function = function; self.info = info }

    public var description: String {
        if info < 0 { return "\(function): argument \(-info) has an illegal value (info \(info))" }
        return "\(function): the eigen-decomposition did not converge (info \(info)); the matrix may hold NaN or Inf"
    }
}
