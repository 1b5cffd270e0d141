import Foundation

/// A JSON value as labrun records it: run.json parameters and the typed step outputs kept
/// in ledger.json.
public enum RecordedValue: Sendable, Hashable, Codable, CustomStringConvertible {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([RecordedValue])
  case object([String: RecordedValue])

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .int(value)
    } else if let value = try? container.decode(Double.self) {
      self = .double(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([RecordedValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: RecordedValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .int(let value): try container.encode(value)
    case .double(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// Converts any Encodable value (a step's typed output) to its recorded form.
  public init<T: Encodable>(encoding value: T) throws {
    let data = try JSONEncoder.labrunLine.encode(value)
    self = try JSONDecoder.labrun.decode(RecordedValue.self, from: data)
  }

  /// Reads the recorded form back as `type`.
  public func decode<T: Decodable>(as type: T.Type) throws -> T {
    let data = try JSONEncoder.labrunLine.encode(self)
    return try JSONDecoder.labrun.decode(type, from: data)
  }

  /// Plain text: strings bare, everything else as compact JSON.
  public var description: String {
    switch self {
    case .null: return "null"
    case .bool(let value): return String(value)
    case .int(let value): return String(value)
    case .double(let value): return String(value)
    case .string(let value): return value
    case .array, .object:
      guard let data = try? JSONEncoder.labrunLine.encode(self) else { return "?" }
      return String(decoding: data, as: UTF8.self)
    }
  }

  /// The string, if this is one.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The integer, if this is one.
  public var intValue: Int? {
    if case .int(let value) = self { return value }
    return nil
  }

  /// A whole number as a person or script may have recorded it: a JSON integer, an
  /// integral number, or numeric text (evidence is read leniently).
  public var wholeNumber: Int? {
    switch self {
    case .int(let number): return number
    case .double(let number): return number.rounded() == number && abs(number) < 1e15 ? Int(number) : nil
    case .string(let text): return Int(text.trimmingCharacters(in: .whitespaces))
    default: return nil
    }
  }

  /// Text, from a string or a number; blank text is nil.
  public var text: String? {
    switch self {
    case .string(let text): return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text
    case .int(let number): return String(number)
    case .double(let number): return String(number)
    default: return nil
    }
  }

  /// A list of names, from a JSON array or comma-separated text.
  public var names: [String]? {
    switch self {
    case .array(let list): return list.compactMap(\.stringValue)
    case .string(let text):
      return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    default: return nil
    }
  }

  /// Applies `transform` to every string inside this value (used for redaction).
  public func mapStrings(_ transform: (String) -> String) -> RecordedValue {
    switch self {
    case .string(let value): return .string(transform(value))
    case .array(let values): return .array(values.map { $0.mapStrings(transform) })
    case .object(let values):
      return .object(values.mapValues { $0.mapStrings(transform) })
    default: return self
    }
  }
}
