import Foundation

/// The one way a value enters a remote shell command.
///
/// Every interpolated value goes through ``quote(_:)``, so a hostile parameter such as
/// `$(touch x)` or `'; rm -rf ~'` arrives as the literal text it is.
public enum ShellQuote {
  /// Wraps `value` in single quotes, escaping embedded single quotes as `'\''`.
  ///
  /// Values made only of characters no POSIX shell treats specially are returned bare so
  /// transcripts stay readable.
  public static func quote(_ value: String) -> String {
    if !value.isEmpty, value.unicodeScalars.allSatisfy(isSafe) { return value }
    return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// Quotes each word and joins them with spaces.
  public static func join(_ words: [String]) -> String {
    words.map(quote).joined(separator: " ")
  }

  private static func isSafe(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/", ":", "=", "+", "@", ",", "%": return true
    default: return false
    }
  }
}
