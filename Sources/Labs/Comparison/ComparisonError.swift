import Foundation
import LabPipeline

/// Why `labrun compare` refuses to render.
public enum ComparisonError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// Fewer than two runs were named.
  case tooFewRuns(count: Int)
  /// A run's evidence could not be read or was altered (verify's exit 4).
  case refused(input: String, detail: String)
  /// The same run was named twice.
  case duplicateRun(runID: String)

  public var description: String {
    switch self {
    case .tooFewRuns(let count):
      return "compare needs two or more runs (got \(count)); name run ids, run directories or bundle archives"
    case .refused(let input, let detail):
      return
        "\(input) is refused: its evidence cannot be trusted (\(detail)); `labrun verify --run \(input)` says the "
        + "same (exit 4): compare the original bundle instead"
    case .duplicateRun(let runID):
      return "run \(runID) is named twice; name each run once"
    }
  }

  public var errorDescription: String? { description }
}

extension ComparisonError: ExitCodeProviding {
  public var exitCode: Int32 {
    switch self {
    case .tooFewRuns, .duplicateRun: return LabrunExitCode.usage
    case .refused: return LabrunExitCode.runStateFailed
    }
  }
}
