import Foundation

/// A simulated command could not do its work.
public enum SimToolError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// Reading or writing the host's state failed.
  case io(String)

  public var description: String {
    switch self {
    case .io(let detail): return "simulated host: \(detail)"
    }
  }

  public var errorDescription: String? { description }
}
