import Foundation

/// Base64 between a BEGIN and an END line, as SSH signatures and OpenSSH key files are written.
///
/// Works on bytes, not Characters, so that CRLF line ends (one Character in Swift) are plain
/// whitespace like any other.
enum Armor {
  /// What is wrong with the armored text.
  enum Failure: Error, Equatable {
    /// The text does not start (after whitespace) with the BEGIN line.
    case missingBegin
    /// No END line at the start of a line after the BEGIN line.
    case missingEnd
    /// The text between the lines is not base64.
    case notBase64
  }

  /// The decoded bytes between `begin` (which must open the text) and `end`; text after the END
  /// line is ignored, as OpenSSH ignores it.
  static func decode(_ text: String, begin: String, end: String) throws(Failure) -> [UInt8] {
    let bytes = Array(text.utf8)
    let start = bytes.firstIndex { !isWhitespace($0) } ?? bytes.endIndex
    guard bytes[start...].starts(with: begin.utf8) else { throw .missingBegin }
    let body = bytes[(start + begin.utf8.count)...]
    guard let footer = body.firstRange(of: Array(("\n" + end).utf8)) else { throw .missingEnd }
    let base64 = body[..<footer.lowerBound].filter { !isWhitespace($0) }
    guard let data = Data(base64Encoded: Data(base64)) else { throw .notBase64 }
    return [UInt8](data)
  }

  static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
      || byte == UInt8(ascii: "\n")
  }
}
