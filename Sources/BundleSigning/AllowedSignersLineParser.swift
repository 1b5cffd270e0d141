import Foundation

/// Parses one allowed_signers line: `principals [options] keytype base64-key [comment]`.
///
/// Fields are separated by spaces or tabs; double quotes protect spaces (in a quoted principals
/// field, or in an option value such as `namespaces="a,b"`).
struct AllowedSignersLineParser {
  /// Key type names that mark where the key begins (and so that there are no options).
  static let keyTypes: Set<String> = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-dss",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
  ]

  let path: String
  let line: Int

  /// The entry on `text`, or nil for a blank or comment line.
  func parse(_ text: Substring) throws -> AllowedSigners.Entry? {
    var rest = text.drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" })
    guard let first = rest.first, first != "#" else { return nil }
    guard !rest.allSatisfy({ $0.isWhitespace }) else { return nil }

    guard var principals = try nextField(&rest) else { throw error("no principals") }
    if principals.count >= 2, principals.hasPrefix("\""), principals.hasSuffix("\"") {
      principals = String(principals.dropFirst().dropLast())
    }
    guard !principals.isEmpty else { throw error("empty principals field") }

    guard var field = try nextField(&rest) else { throw error("missing key after the principals") }
    var options = Options()
    if !Self.isKeyType(field) {
      options = try parseOptions(field)
      guard let keyField = try nextField(&rest) else { throw error("missing key after the options") }
      field = keyField
    }
    let keyType = field
    guard Self.isKeyType(keyType) else { throw error("unknown key type \"\(keyType)\"") }
    guard !keyType.hasSuffix("-cert-v01@openssh.com") else {
      throw error("a certificate (\(keyType)) in place of a key; certificates are not supported")
    }
    guard let base64 = try nextField(&rest) else { throw error("missing base64 key after \(keyType)") }
    guard let data = Data(base64Encoded: base64) else {
      throw error("the \(keyType) key is not valid base64")
    }
    let keyBlob = try canonicalBlob([UInt8](data), keyType: keyType)
    // Anything after the key is a comment.
    return AllowedSigners.Entry(
      line: line, principals: SSHPatternList(principals), keyType: keyType, keyBlob: keyBlob,
      namespaces: options.namespaces, validAfter: options.validAfter, validBefore: options.validBefore,
      isCertificateAuthority: options.isCertificateAuthority)
  }

  static func isKeyType(_ field: String) -> Bool {
    keyTypes.contains(field) || field.hasSuffix("-cert-v01@openssh.com")
  }

  // MARK: Fields

  /// The next whitespace-separated field, with quoted parts kept whole (quotes included).
  private func nextField(_ rest: inout Substring) throws -> String? {
    rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" })
    guard !rest.isEmpty else { return nil }
    var field = ""
    var quotes = QuoteTracker()
    while let character = rest.first,
      quotes.quoted || !(character == " " || character == "\t" || character == "\r")
    {
      rest = rest.dropFirst()
      field.append(character)
      quotes.read(character)
    }
    guard !quotes.quoted else { throw error("unterminated quote in \(field)") }
    return field
  }

  /// The key, checked and re-encoded, for the types labrun verifies; other types (ssh-dss,
  /// security keys) are kept as written and never match a signature labrun accepts.
  private func canonicalBlob(_ blob: [UInt8], keyType: String) throws -> [UInt8] {
    var reader = SSHWireReader(blob)
    guard let blobType = try? reader.readText("key type") else {
      throw error("the \(keyType) key is truncated")
    }
    guard blobType == keyType else { throw error("the key field says \(keyType) but the key is \(blobType)") }
    do {
      return try SSHPublicKey(blob: blob, source: "\(path):\(line)").blob
    } catch BundleSignatureError.unsupportedKeyType {
      return blob
    } catch BundleSignatureError.publicKeyMalformed(_, let reason) {
      throw error("invalid \(keyType) key: \(reason)")
    }
  }

  // MARK: Options

  struct Options {
    var isCertificateAuthority = false
    var namespaces: SSHPatternList?
    var validAfter: Date?
    var validBefore: Date?
  }

  /// `cert-authority`, `namespaces="…"`, `valid-after="…"`, `valid-before="…"`, comma-separated;
  /// names are case-insensitive, as ssh-keygen reads them.
  private func parseOptions(_ field: String) throws -> Options {
    var options = Options()
    for option in try splitOptions(field) {
      let name = option.prefix(while: { $0 != "=" }).lowercased()
      let hasValue = option.contains("=")
      let value =
        hasValue ? try dequote(String(option.drop(while: { $0 != "=" }).dropFirst()), name: name) : nil
      switch (name, value) {
      case ("cert-authority", nil):
        guard !options.isCertificateAuthority else { throw error("cert-authority given twice") }
        options.isCertificateAuthority = true
      case ("namespaces", let value?):
        guard options.namespaces == nil else { throw error("multiple \"namespaces\" options") }
        options.namespaces = SSHPatternList(value)
      case ("valid-after", let value?):
        guard options.validAfter == nil else { throw error("multiple \"valid-after\" options") }
        options.validAfter = try parseTime(value, name: name)
      case ("valid-before", let value?):
        guard options.validBefore == nil else { throw error("multiple \"valid-before\" options") }
        options.validBefore = try parseTime(value, name: name)
      case ("cert-authority", _):
        throw error("cert-authority takes no value")
      case ("namespaces", nil), ("valid-after", nil), ("valid-before", nil):
        throw error("option \(name) needs a value: \(name)=\"…\"")
      default:
        throw error(
          "unknown option \"\(option)\" (known: cert-authority, namespaces, valid-after, valid-before)")
      }
    }
    if let after = options.validAfter, let before = options.validBefore, before <= after {
      throw error("valid-before is not after valid-after")
    }
    return options
  }

  /// The options field split at commas outside quotes; an empty option is an error.
  private func splitOptions(_ field: String) throws -> [String] {
    var options: [String] = []
    var current = ""
    var quotes = QuoteTracker()
    for character in field {
      if quotes.read(character), character == ",", !quotes.quoted {
        options.append(current)
        current = ""
        continue
      }
      current.append(character)
    }
    options.append(current)
    guard !options.contains(where: \.isEmpty) else { throw error("empty option in \"\(field)\"") }
    return options
  }

  /// An option value: double-quoted, `\"` standing for a quote.
  private func dequote(_ value: String, name: String) throws -> String {
    guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else {
      throw error("the value of \(name) must be double-quoted: \(name)=\"…\"")
    }
    return String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
  }

  /// `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`: local time, or UTC with the `Z`.
  private func parseTime(_ value: String, name: String) throws -> Date {
    var digits = value
    var timeZone = TimeZone.current
    if digits.hasSuffix("Z") || digits.hasSuffix("z") {
      digits.removeLast()
      timeZone = TimeZone(secondsFromGMT: 0) ?? timeZone
    }
    let numbers = digits.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
    guard numbers.count == digits.count, [8, 12, 14].contains(numbers.count) else {
      throw error("\(name)=\"\(value)\" is not a time in YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z] form")
    }
    func number(_ range: Range<Int>) -> Int? {
      range.upperBound <= numbers.count ? numbers[range].reduce(0) { $0 * 10 + $1 } : nil
    }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let components = DateComponents(
      calendar: calendar, timeZone: timeZone, year: number(0..<4), month: number(4..<6), day: number(6..<8),
      hour: number(8..<10) ?? 0, minute: number(10..<12) ?? 0, second: number(12..<14) ?? 0)
    guard components.isValidDate, let date = components.date else {
      throw error("\(name)=\"\(value)\" is not a valid date and time")
    }
    return date
  }

  private func error(_ reason: String) -> BundleSignatureError {
    .allowedSignersSyntax(path: path, line: line, reason: reason)
  }

  /// OpenSSH's quoting over a field, read a character at a time: `"` opens and closes a quote,
  /// and inside one `\` escapes the next character.
  private struct QuoteTracker {
    private(set) var quoted = false
    private var escaped = false

    /// Reads `character`; true when it is plain text (not a quote, an escape or escaped).
    @discardableResult
    mutating func read(_ character: Character) -> Bool {
      if escaped {
        escaped = false
      } else if quoted, character == "\\" {
        escaped = true
      } else if character == "\"" {
        quoted.toggle()
      } else {
        return true
      }
      return false
    }
  }
}
