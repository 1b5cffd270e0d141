import Foundation

/// Removes secrets from text before labrun writes or prints it.
///
/// One redactor per run is shared by the transcript, the ledger, the artifacts and the
/// terminal output, so a secret seen by one of them is hidden in all of them. It hides:
/// - values of env-style assignments whose name contains TOKEN, PASSWORD, PASSWD or SECRET
///   (`K3S_TOKEN=…`, `password: …`, `"token": "…"`) and of `--token`/`--password` flags, except
///   the absolute path of a `*_FILE` one (`K3S_TOKEN_FILE=/etc/rancher/k3s/join-token`);
/// - kubeconfig credentials (`client-key-data`, `client-certificate-data`,
///   `certificate-authority-data`, tokens) and PEM private keys;
/// - k3s join tokens (`K10<hex>::server:<secret>`);
/// - every literal registered with ``register(_:)``, which at start covers the values of
///   labrun's own environment variables with such names.
public final class Redactor: @unchecked Sendable {
  /// What a hidden value is replaced with.
  public static let mask = "[REDACTED]"

  private let lock = NSLock()
  private var literals: Set<String> = []

  /// A redactor that also hides the values of `environment`'s secret-named variables.
  public init(environment: [String: String] = [:]) {
    for (name, value) in environment where Self.isSecretName(name) {
      register(value)
    }
  }

  /// Hides `secret` wherever it appears from now on. Values shorter than 4 characters are
  /// ignored: masking them would garble unrelated text and protect nothing.
  public func register(_ secret: String) {
    let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
    guard trimmed.count >= 4 else { return }
    lock.lock()
    literals.insert(trimmed)
    lock.unlock()
  }

  /// Whether a variable or key name marks its value as secret.
  public static func isSecretName(_ name: String) -> Bool {
    let upper = name.uppercased()
    return ["TOKEN", "PASSWORD", "PASSWD", "SECRET"].contains { upper.contains($0) }
  }

  /// `text` with every secret replaced by ``mask``.
  public func redact(_ text: String) -> String {
    guard !text.isEmpty else { return text }
    lock.lock()
    let known = literals.sorted { $0.count > $1.count }
    lock.unlock()
    var result = text
    for literal in known where result.contains(literal) {
      result = result.replacingOccurrences(of: literal, with: Self.mask)
    }
    for (regex, template) in Self.patterns {
      let range = NSRange(result.startIndex..., in: result)
      result = regex.stringByReplacingMatches(in: result, range: range, withTemplate: template)
    }
    return result
  }

  /// `value` with every string redacted; values under secret-named keys (`api_token`,
  /// `password`) are masked whole and remembered as secrets.
  public func redact(_ value: RecordedValue, name: String? = nil) -> RecordedValue {
    if let name, Self.isSecretName(name) {
      if case .string(let secret) = value { register(secret) }
      return value == .null ? value : .string(Self.mask)
    }
    switch value {
    case .string(let text): return .string(redact(text))
    case .array(let values): return .array(values.map { redact($0) })
    case .object(let values):
      return .object(
        Dictionary(uniqueKeysWithValues: values.map { ($0.key, redact($0.value, name: $0.key)) }))
    default: return value
    }
  }

  /// `bytes` decoded as UTF-8 (invalid sequences replaced) and redacted.
  public func redact(_ bytes: [UInt8]) -> String {
    redact(String(decoding: bytes, as: UTF8.self))
  }

  private static let patterns: [(NSRegularExpression, String)] = {
    let mask = NSRegularExpression.escapedTemplate(for: Redactor.mask)
    let sources: [(String, String)] = [
      // PEM private keys, whole block.
      (
        #"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#,
        mask
      ),
      // k3s join tokens: K10<ca hash>::<user>:<password>, and bare K10… server tokens.
      (#"K10[0-9a-fA-F]{16,}::[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+"#, mask),
      // kubeconfig credentials.
      (
        #"((?:client-key-data|client-certificate-data|certificate-authority-data|client-key)["']?\s*:\s*)("[^"\n]*"|'[^'\n]*'|[^\s"',]+)"#,
        "$1" + mask
      ),
      // --token VALUE, --agent-token=VALUE, --password VALUE
      (
        #"(?i)(--[a-z0-9-]*(?:token|password|passwd|secret)(?:=|\s+))('[^']*'|"[^"]*"|[^\s'"]+)"#,
        "$1" + mask
      ),
      // NAME=VALUE, name: value, "name": "value" where the name says it is secret; a *_FILE name
      // whose value is an absolute path (`K3S_TOKEN_FILE=/etc/rancher/k3s/join-token`) names where
      // the secret is, not the secret, and stays.
      (
        #"(?i)\b(?![a-z0-9_.-]*_file["']?[ \t]*[=:][ \t]*["']?/[^\s"']*["']?(?:[\s;&|)]|$))([a-z0-9_.-]*(?:token|password|passwd|secret)[a-z0-9_.-]*["']?[ \t]*[=:][ \t]*)("[^"\n]*"|'[^'\n]*'|[^\s"',;&|)\\]+)"#,
        "$1" + mask
      ),
    ]
    return sources.compactMap { source, template in
      guard let regex = try? NSRegularExpression(pattern: source) else { return nil }
      return (regex, template)
    }
  }()
}
