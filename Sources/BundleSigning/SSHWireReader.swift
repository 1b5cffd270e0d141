/// Why SSH wire-format bytes did not parse; callers turn it into a ``BundleSignatureError``
/// that names what was being read.
struct SSHWireError: Error, Equatable {
  var reason: String

  /// Runs `body`, turning a wire error into the domain error `wrap` builds from its reason.
  static func mapping<T>(_ wrap: (String) -> BundleSignatureError, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as SSHWireError {
      throw wrap(error.reason)
    }
  }
}

/// Reads RFC 4251 data types (uint32, string, mpint) from a byte buffer.
struct SSHWireReader {
  private let bytes: [UInt8]
  private var offset = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// Whether every byte has been read.
  var isAtEnd: Bool { offset == bytes.count }

  /// The bytes not read yet.
  var remaining: [UInt8] { Array(bytes[offset...]) }

  mutating func readUInt32(_ what: String = "uint32") throws -> UInt32 {
    let raw = try readBytes(count: 4, what: what)
    return raw.reduce(0) { $0 << 8 | UInt32($1) }
  }

  mutating func readBytes(count: Int, what: String) throws -> [UInt8] {
    guard count >= 0, bytes.count - offset >= count else {
      throw SSHWireError(reason: "truncated \(what)")
    }
    defer { offset += count }
    return Array(bytes[offset..<(offset + count)])
  }

  /// A length-prefixed string, as raw bytes.
  mutating func readString(_ what: String = "string") throws -> [UInt8] {
    let length = try readUInt32(what)
    guard length <= UInt32(bytes.count - offset) else { throw SSHWireError(reason: "truncated \(what)") }
    return try readBytes(count: Int(length), what: what)
  }

  /// A length-prefixed string that must be UTF-8 text.
  mutating func readText(_ what: String) throws -> String {
    let raw = try readString(what)
    guard let text = String(validating: raw, as: UTF8.self) else {
      throw SSHWireError(reason: "\(what) is not UTF-8 text")
    }
    return text
  }

  /// A non-negative mpint, as its big-endian magnitude without leading zero bytes.
  mutating func readMPInt(_ what: String) throws -> [UInt8] {
    let raw = try readString(what)
    if let first = raw.first, first & 0x80 != 0 {
      throw SSHWireError(reason: "\(what) is negative")
    }
    return Array(raw.drop(while: { $0 == 0 }))
  }

  /// Throws unless every byte has been read.
  func expectEnd(_ what: String) throws {
    guard isAtEnd else { throw SSHWireError(reason: "trailing data after \(what)") }
  }
}
