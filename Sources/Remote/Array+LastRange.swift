extension Array where Element == UInt8 {
  /// Where `pattern` last occurs in these bytes (a wrapper marker line in a command's stderr), or nil.
  func lastRange(of pattern: [UInt8]) -> Range<Int>? {
    guard !pattern.isEmpty, count >= pattern.count else { return nil }
    var start = count - pattern.count
    while start >= 0 {
      if self[start] == pattern[0], self[start..<(start + pattern.count)].elementsEqual(pattern) {
        return start..<(start + pattern.count)
      }
      start -= 1
    }
    return nil
  }
}
