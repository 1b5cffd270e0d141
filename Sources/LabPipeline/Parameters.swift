import Foundation

/// A run's parameters: the lab's, after `--param` overrides, plus values steps computed.
///
/// Durations are recorded as whole seconds.
public struct Parameters: Sendable, Hashable {
  public var values: [String: RecordedValue]
  /// The names given with `--param` in this invocation (not recorded: a rule about what the
  /// user asked for, such as "an explicit slice that does not fit is refused", reads it at preflight).
  public var given: Set<String> = []

  public init(_ values: [String: RecordedValue] = [:]) {
    self.values = values
  }

  public subscript(name: String) -> RecordedValue? {
    get { values[name] }
    set { values[name] = newValue }
  }

  /// The integer parameter `name`.
  public func int(_ name: String) throws -> Int {
    guard let value = values[name] else { throw ParameterError.missing(name) }
    guard case .int(let int) = value else { throw ParameterError.wrongType(name, expected: "int", value) }
    return int
  }

  /// The string parameter `name`.
  public func string(_ name: String) throws -> String {
    guard let value = values[name] else { throw ParameterError.missing(name) }
    guard case .string(let string) = value else {
      throw ParameterError.wrongType(name, expected: "string", value)
    }
    return string
  }

  /// The boolean parameter `name`.
  public func bool(_ name: String) throws -> Bool {
    guard let value = values[name] else { throw ParameterError.missing(name) }
    guard case .bool(let bool) = value else { throw ParameterError.wrongType(name, expected: "bool", value) }
    return bool
  }

  /// The duration parameter `name` (recorded as seconds).
  public func duration(_ name: String) throws -> Duration {
    .seconds(try int(name))
  }
}

/// A step asked for a parameter the run does not have, or of another type.
public enum ParameterError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The lab defines no such parameter.
  case missing(String)
  /// The parameter holds a value of another type.
  case wrongType(String, expected: String, RecordedValue)

  public var description: String {
    switch self {
    case .missing(let name):
      return "parameter '\(name)' is not defined; add it to the lab's lab.yaml"
    case .wrongType(let name, let expected, let value):
      return "parameter '\(name)' is \(value), expected \(expected); fix lab.yaml or --param \(name)=…"
    }
  }

  public var errorDescription: String? { description }
}

extension ParameterError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.labInvalid }
}
