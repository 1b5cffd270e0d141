/// Writes RFC 4251 data types (uint32, string, mpint) into a byte buffer.
struct SSHWireWriter {
  private(set) var bytes: [UInt8] = []

  mutating func write(raw: some Sequence<UInt8>) {
    bytes.append(contentsOf: raw)
  }

  mutating func write(uint32 value: UInt32) {
    bytes.append(contentsOf: [
      UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff),
    ])
  }

  mutating func write(string value: [UInt8]) {
    write(uint32: UInt32(value.count))
    bytes.append(contentsOf: value)
  }

  mutating func write(text: String) {
    write(string: Array(text.utf8))
  }

  /// A non-negative mpint from a big-endian magnitude: leading zeros dropped, and one zero byte
  /// added when the top bit is set so that the value does not read as negative.
  mutating func write(mpint magnitude: [UInt8]) {
    let trimmed = Array(magnitude.drop(while: { $0 == 0 }))
    if let first = trimmed.first, first & 0x80 != 0 {
      write(string: [0] + trimmed)
    } else {
      write(string: trimmed)
    }
  }
}
