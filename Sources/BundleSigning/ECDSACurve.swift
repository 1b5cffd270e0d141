/// The NIST curves OpenSSH uses for ECDSA keys (RFC 5656), each with its own hash.
enum ECDSACurve: String, Sendable, Hashable, CaseIterable {
  case nistp256
  case nistp384
  case nistp521

  /// The key type name, e.g. `ecdsa-sha2-nistp256`; also the signature algorithm name.
  var keyType: String { "ecdsa-sha2-\(rawValue)" }

  /// Bytes in one coordinate or scalar: 32, 48, 66.
  var coordinateSize: Int {
    switch self {
    case .nistp256: return 32
    case .nistp384: return 48
    case .nistp521: return 66
    }
  }

  init?(keyType: String) {
    guard let curve = Self.allCases.first(where: { $0.keyType == keyType }) else { return nil }
    self = curve
  }

  /// `magnitude` left-padded with zeros to the coordinate size; nil when it is longer.
  func padded(_ magnitude: [UInt8]) -> [UInt8]? {
    let trimmed = Array(magnitude.drop(while: { $0 == 0 }))
    guard trimmed.count <= coordinateSize else { return nil }
    return [UInt8](repeating: 0, count: coordinateSize - trimmed.count) + trimmed
  }
}
