import Foundation

/// The overall outcome, the page's first line.
public enum ValidationStatus: String, Sendable, Hashable, Codable, CaseIterable {
  /// A real target, every exercise PASS, the bundle intact.
  case validated = "VALIDATED"
  /// At least one exercise FAIL.
  case failed = "FAILED"
  /// No FAIL, but something INCONCLUSIVE, or the evidence cannot be fully trusted.
  case incomplete = "INCOMPLETE"
  /// The simulated GPU host, whatever the verdicts.
  case simulated = "SIMULATED"

  /// `labrun verify`'s exit code.
  public var exitCode: Int32 {
    switch self {
    case .validated: return 0
    case .failed: return 1
    case .incomplete: return 2
    case .simulated: return 3
    }
  }

  public var symbol: String {
    switch self {
    case .validated: return "✅"
    case .failed: return "❌"
    case .incomplete: return "⚠️"
    case .simulated: return "🧪"
    }
  }
}
