import Foundation
import Yams

/// A lab's definition, read from `labs/<name>/lab.yaml`: its name and typed parameters.
///
/// ```yaml
/// name: selftest
/// title: Engine self-test
/// parameters:
///   repeat_count:
///     type: int            # int | string | bool | duration
///     default: 3
///     range: [1, 100]      # int and duration (seconds) only
///     description: how often to repeat the measurement
///   provider:
///     type: string
///     default: ""
///     pattern: "^[A-Za-z0-9 ._-]*$"   # string only, must match the whole value
/// ```
/// Durations are written `90s`, `10m`, `1h30m` or as whole seconds, and recorded as seconds.
public struct LabDefinition: Sendable, Hashable {
  public var name: String
  public var title: String
  public var description: String
  public var parameters: [LabParameter]
  /// Where this lab.yaml (and the lab's other files) came from.
  public var source: LabSource

  public init(
    name: String, title: String, description: String, parameters: [LabParameter], source: LabSource
  ) {
    self.name = name
    self.title = title
    self.description = description
    self.parameters = parameters
    self.source = source
  }

  /// Parameters with their defaults.
  public var defaults: Parameters {
    Parameters(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.defaultValue) }))
  }

  public func parameter(named name: String) -> LabParameter? {
    parameters.first { $0.name == name }
  }

  /// The defaults with `key=value` overrides applied, each checked against its declaration.
  public func resolve(overrides: [String]) throws -> Parameters {
    var result = defaults
    for override in overrides {
      guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
        throw LabDefinitionError.malformedOverride(override)
      }
      let name = String(override[..<equals])
      let text = String(override[override.index(after: equals)...])
      guard let parameter = parameter(named: name) else {
        throw LabDefinitionError.unknownParameter(name: name, lab: self.name, known: parameters.map(\.name))
      }
      do {
        result[name] = try parameter.parse(text)
        result.given.insert(name)
      } catch let problem as ParameterProblem {
        throw LabDefinitionError.invalidOverride(name: name, value: text, problem: problem.description)
      }
    }
    return result
  }

  // MARK: loading

  /// Reads and checks the lab.yaml at `source`. Syntax errors and type errors name the file,
  /// line and column.
  public static func load(from source: LabSource) throws -> LabDefinition {
    try parse(try source.definitionText(), source: source)
  }

  /// Reads and checks the lab.yaml `file`.
  public static func load(from file: URL) throws -> LabDefinition {
    try load(from: .file(file))
  }

  /// Parses lab.yaml text read from `file`.
  public static func parse(_ text: String, file: URL) throws -> LabDefinition {
    try parse(text, source: .file(file))
  }

  /// Parses lab.yaml text; `source` is used for messages and recorded in the definition.
  public static func parse(_ text: String, source: LabSource) throws -> LabDefinition {
    let path = source.definitionPath
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw LabDefinitionError.invalid(path: path, line: 1, column: 1, problem: "the file is empty")
      }
      root = node
    } catch let error as YamlError {
      throw LabDefinitionError(yamlError: error, path: path)
    }
    let reader = NodeReader(path: path)
    let top = try reader.mapping(root, what: "the top level")
    try reader.onlyKeys(top, ["name", "title", "description", "parameters", "steps"], in: "the top level")
    guard let nameNode = top["name"] else {
      throw reader.error(root, "missing `name:` (the lab's name, as registered in labrun, e.g. selftest)")
    }
    let name = try reader.string(nameNode, what: "name")
    let title = try top["title"].map { try reader.string($0, what: "title") } ?? name
    let description = try top["description"].map { try reader.string($0, what: "description") } ?? ""
    var parameters: [LabParameter] = []
    if let parametersNode = top["parameters"] {
      if case .scalar(let scalar) = parametersNode, scalar.string.isEmpty || scalar.string == "~" {
        // `parameters:` with nothing under it.
      } else {
        let mapping = try reader.mapping(parametersNode, what: "parameters")
        for (keyNode, valueNode) in mapping {
          let parameterName = try reader.string(keyNode, what: "a parameter name")
          guard parameterName.range(of: #"^[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil else {
            throw reader.error(keyNode, "parameter name '\(parameterName)' must be lower_snake_case")
          }
          parameters.append(try LabParameter(name: parameterName, node: valueNode, reader: reader))
        }
      }
    }
    return LabDefinition(
      name: name, title: title, description: description, parameters: parameters, source: source)
  }
}

/// One declared parameter.
public struct LabParameter: Sendable, Hashable {
  /// What kind of value a parameter holds.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case int, string, bool, duration
  }

  public var name: String
  public var kind: Kind
  public var defaultValue: RecordedValue
  public var description: String
  /// Allowed values for int, allowed seconds for duration.
  public var range: ClosedRange<Int>?
  /// A regular expression the whole string value must match.
  public var pattern: String?

  public init(
    name: String, kind: Kind, defaultValue: RecordedValue, description: String = "",
    range: ClosedRange<Int>? = nil, pattern: String? = nil
  ) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.description = description
    self.range = range
    self.pattern = pattern
  }

  /// Parses `text` as this parameter's type and checks its range or pattern.
  func parse(_ text: String) throws -> RecordedValue {
    let value: RecordedValue
    switch kind {
    case .int:
      guard let int = Int(text.trimmingCharacters(in: .whitespaces)) else {
        throw ParameterProblem.notA("an integer", text)
      }
      value = .int(int)
    case .bool:
      switch text.lowercased() {
      case "true", "yes", "on": value = .bool(true)
      case "false", "no", "off": value = .bool(false)
      default: throw ParameterProblem.notA("a boolean (true or false)", text)
      }
    case .duration:
      guard let seconds = Self.seconds(in: text) else {
        throw ParameterProblem.notA("a duration (e.g. 90s, 10m, 1h30m, or whole seconds)", text)
      }
      value = .int(seconds)
    case .string:
      value = .string(text)
    }
    try check(value)
    return value
  }

  func check(_ value: RecordedValue) throws {
    if let range, case .int(let int) = value, !range.contains(int) {
      throw ParameterProblem.outOfRange(int, range, unit: kind == .duration ? "s" : "")
    }
    if let pattern, case .string(let string) = value {
      guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else {
        throw ParameterProblem.badPattern(pattern)
      }
      let range = NSRange(string.startIndex..., in: string)
      if regex.firstMatch(in: string, range: range) == nil {
        throw ParameterProblem.noMatch(string, pattern)
      }
    }
  }

  /// `90s`, `10m`, `1h30m`, `2h`, `45` → seconds.
  static func seconds(in text: String) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let whole = Int(trimmed) { return whole >= 0 ? whole : nil }
    var total = 0
    var digits = ""
    var sawUnit = false
    for character in trimmed {
      if character.isASCII, character.isNumber {
        digits.append(character)
        continue
      }
      guard let amount = Int(digits) else { return nil }
      switch character {
      case "h": total += amount * 3600
      case "m": total += amount * 60
      case "s": total += amount
      default: return nil
      }
      digits = ""
      sawUnit = true
    }
    return sawUnit && digits.isEmpty ? total : nil
  }

  init(name: String, node: Node, reader: NodeReader) throws {
    let mapping = try reader.mapping(node, what: "parameter '\(name)'")
    try reader.onlyKeys(
      mapping, ["type", "default", "description", "range", "pattern"], in: "parameter '\(name)'")
    guard let typeNode = mapping["type"] else {
      throw reader.error(node, "parameter '\(name)' has no `type:` (one of int, string, bool, duration)")
    }
    let typeName = try reader.string(typeNode, what: "type")
    guard let kind = Kind(rawValue: typeName) else {
      throw reader.error(
        typeNode, "parameter '\(name)': unknown type '\(typeName)'; use int, string, bool or duration")
    }
    self.name = name
    self.kind = kind
    self.description = try mapping["description"].map { try reader.string($0, what: "description") } ?? ""
    if let rangeNode = mapping["range"] {
      guard kind == .int || kind == .duration else {
        throw reader.error(
          rangeNode, "parameter '\(name)': `range` applies to int and duration parameters only")
      }
      guard case .sequence(let sequence) = rangeNode, sequence.count == 2,
        let low = Int(sequence[0].scalar?.string ?? ""), let high = Int(sequence[1].scalar?.string ?? ""),
        low <= high
      else {
        throw reader.error(
          rangeNode, "parameter '\(name)': `range` must be [min, max] with integers, min <= max")
      }
      self.range = low...high
    } else {
      self.range = nil
    }
    if let patternNode = mapping["pattern"] {
      guard kind == .string else {
        throw reader.error(patternNode, "parameter '\(name)': `pattern` applies to string parameters only")
      }
      let pattern = try reader.string(patternNode, what: "pattern")
      guard (try? NSRegularExpression(pattern: pattern)) != nil else {
        throw reader.error(patternNode, "parameter '\(name)': `pattern` is not a valid regular expression")
      }
      self.pattern = pattern
    } else {
      self.pattern = nil
    }
    guard let defaultNode = mapping["default"] else {
      throw reader.error(node, "parameter '\(name)' has no `default:`")
    }
    guard case .scalar(let scalar) = defaultNode else {
      throw reader.error(defaultNode, "parameter '\(name)': `default` must be a single \(kind) value")
    }
    // A string parameter takes the scalar's text as written; other types are parsed from it.
    if kind != .string, scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
      throw reader.error(defaultNode, "parameter '\(name)' is \(kind) but its default is a quoted string")
    }
    do {
      self.defaultValue = try Self(
        name: name, kind: kind, defaultValue: .null, range: range, pattern: pattern
      )
      .parse(scalar.string)
    } catch let problem as ParameterProblem {
      throw reader.error(defaultNode, "parameter '\(name)' (\(kind)): default \(problem.description)")
    }
  }
}

/// Why a parameter value was refused.
enum ParameterProblem: Error, CustomStringConvertible {
  case notA(String, String)
  case outOfRange(Int, ClosedRange<Int>, unit: String)
  case noMatch(String, String)
  case badPattern(String)

  var description: String {
    switch self {
    case .notA(let expected, let text): return "'\(text)' is not \(expected)"
    case .outOfRange(let value, let range, let unit):
      return
        "\(value)\(unit) is outside the allowed range \(range.lowerBound)\(unit)...\(range.upperBound)\(unit)"
    case .noMatch(let text, let pattern): return "'\(text)' does not match the pattern \(pattern)"
    case .badPattern(let pattern): return "the pattern \(pattern) is not a valid regular expression"
    }
  }
}

/// Reads Yams nodes with errors that carry the node's line and column.
struct NodeReader {
  let path: String

  func error(_ node: Node, _ problem: String) -> LabDefinitionError {
    LabDefinitionError.invalid(
      path: path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, problem: problem)
  }

  func mapping(_ node: Node, what: String) throws -> Node.Mapping {
    guard case .mapping(let mapping) = node else {
      throw error(node, "\(what) must be a mapping (key: value)")
    }
    return mapping
  }

  func string(_ node: Node, what: String) throws -> String {
    guard case .scalar(let scalar) = node else { throw error(node, "\(what) must be a single value") }
    return scalar.string
  }

  func onlyKeys(_ mapping: Node.Mapping, _ allowed: [String], in what: String) throws {
    for key in mapping.keys {
      let name = key.scalar?.string ?? ""
      if !allowed.contains(name) {
        throw error(key, "unknown key '\(name)' in \(what); allowed: \(allowed.joined(separator: ", "))")
      }
    }
  }
}

/// Why a lab could not be found, read or parameterised.
public enum LabDefinitionError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// No lab.yaml for `--lab`.
  case notFound(spec: String, searched: [String])
  /// The file could not be read.
  case unreadable(path: String, detail: String)
  /// YAML syntax error or a value of the wrong shape or type.
  case invalid(path: String, line: Int, column: Int, problem: String)
  /// `--param` without `=`.
  case malformedOverride(String)
  /// `--param` names a parameter the lab does not declare.
  case unknownParameter(name: String, lab: String, known: [String])
  /// `--param` value of the wrong type or outside its range or pattern.
  /// A file the lab references (a manifest, a probe, page text) is not beside its lab.yaml.
  case missingLabFile(lab: String, path: String, file: String)
  case invalidOverride(name: String, value: String, problem: String)

  init(yamlError: YamlError, path: String) {
    switch yamlError {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let detail = context.map { "\(problem) (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? problem
      self = .invalid(path: path, line: mark.line, column: mark.column, problem: "YAML syntax: \(detail)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      self = .invalid(
        path: path, line: context.mark.line, column: context.mark.column,
        problem: "duplicate keys: \(duplicates.joined(separator: ", "))")
    default:
      self = .invalid(path: path, line: 1, column: 1, problem: "YAML: \(yamlError)")
    }
  }

  public var description: String {
    switch self {
    case .notFound(let spec, let searched):
      return "no lab '\(spec)': looked for \(searched.joined(separator: ", ")); "
        + "pass --lab NAME (a directory under $LABRUN_LABS or ./labs, or a built-in lab: see `labrun labs`) "
        + "or --lab PATH/lab.yaml"
    case .unreadable(let path, let detail):
      return "cannot read \(path): \(detail)"
    case .invalid(let path, let line, let column, let problem):
      return "\(path):\(line):\(column): \(problem)"
    case .malformedOverride(let text):
      return "--param '\(text)' is not KEY=VALUE"
    case .unknownParameter(let name, let lab, let known):
      return "--param \(name): lab \(lab) has no parameter '\(name)'; known: "
        + (known.isEmpty ? "(none)" : known.joined(separator: ", "))
    case .missingLabFile(let lab, let path, let file):
      let directory = (path as NSString).deletingLastPathComponent
      return
        "lab \(lab) (\(path)) references \(file), which is not in \(directory.isEmpty ? "its directory" : directory); "
        + "copy the lab's whole directory (lab.yaml with manifests/ and probes/); nothing was run"
    case .invalidOverride(let name, let value, let problem):
      return "--param \(name)=\(value): \(problem)"
    }
  }

  public var errorDescription: String? { description }
}

extension LabDefinitionError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.labInvalid }
}
