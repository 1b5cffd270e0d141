import Foundation
import Testing

@testable import BundleSigning

extension BundleSigningSuites {
  /// The allowed_signers format of ssh-keygen(1): principals, options, keys, and the errors that
  /// name the file and line.
  @Suite struct AllowedSignersTests {
    /// A real ed25519 public key (from `ssh-keygen -t ed25519`).
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsB/siej3ysv4kRlJYJU8CH1QVUaPjviiZBUyTmWwA6"
    static let keyBase64 = "AAAAC3NzaC1lZDI1NTE5AAAAIKsB/siej3ysv4kRlJYJU8CH1QVUaPjviiZBUyTmWwA6"
    static let path = "/etc/labrun/allowed_signers"

    static func publicKey() throws -> SSHPublicKey { try SSHPublicKey(line: key) }

    @Test(arguments: [
      ("alice@example.com", "missing key after the principals"),
      ("alice@example.com ssh-ed25519", "missing base64 key after ssh-ed25519"),
      ("alice@example.com ssh-ed25519 not*base64", "the ssh-ed25519 key is not valid base64"),
      (
        "alice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "invalid ssh-ed25519 key: truncated ed25519 key"
      ),
      ("alice@example.com ssh-rsa \(keyBase64)", "the key field says ssh-rsa but the key is ssh-ed25519"),
      ("alice@example.com frobnicate \(key)", "unknown option \"frobnicate\""),
      ("alice@example.com namespaces=\"file \(key)", "unterminated quote"),
      ("alice@example.com namespaces=file \(key)", "must be double-quoted"),
      ("alice@example.com namespaces=\"a\",namespaces=\"b\" \(key)", "multiple \"namespaces\" options"),
      ("alice@example.com cert-authority, \(key)", "empty option"),
      (
        "alice@example.com valid-after=\"2024-01-01\" \(key)",
        "is not a time in YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z] form"
      ),
      ("alice@example.com valid-after=\"20240230\" \(key)", "is not a valid date and time"),
      (
        "alice@example.com valid-after=\"20250101\",valid-before=\"20240101\" \(key)",
        "valid-before is not after valid-after"
      ),
      ("alice@example.com ssh-ed25519-cert-v01@openssh.com \(keyBase64)", "certificates are not supported"),
      (
        "alice@example.com namespaces=\"file\" ecdsa-sha2-nistp999 AAAA",
        "unknown key type \"ecdsa-sha2-nistp999\""
      ),
    ])
    func malformedLineIsReportedWithItsNumber(line: String, reason: String) {
      let text = [
        "# who may sign evidence", "", "ok@example.com \(Self.key)", line, "later@example.com \(Self.key)",
      ]
      .joined(separator: "\n")

      let error = #expect(throws: BundleSignatureError.self) {
        try AllowedSigners(text: text, path: Self.path)
      }

      guard case .allowedSignersSyntax(let path, let number, let found) = error else {
        Issue.record("expected a syntax error, got \(String(describing: error))")
        return
      }
      #expect(path == Self.path)
      #expect(number == 4)
      #expect(found.contains(reason), "reason: \(found)")
      #expect("\(error.map { "\($0)" } ?? "")".hasPrefix("\(Self.path):4: "))
    }

    @Test func readsOptionsQuotesCommentsAndBlankLines() async throws {
      let text = """
        # Comments allowed at start of line
           # and after leading spaces

        alice@example.com,bob@example.com \(Self.key) alice's laptop
        "carol with a space@example.com" \(Self.key)
        *@example.com cert-authority \(Self.key)
        dave@example.com Namespaces="file,labrun-\\"odd\\"",Valid-After="20240101Z",valid-before="202412312359Z" \(Self.key)
        \tsk@example.com sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t
        """

      let signers = try AllowedSigners(text: text, path: Self.path)

      #expect(signers.entries.map(\.line) == [4, 5, 6, 7, 8])
      #expect(signers.entries[0].principalPatterns == ["alice@example.com", "bob@example.com"])
      #expect(signers.entries[1].principalPatterns == ["carol with a space@example.com"])
      #expect(signers.entries[2].isCertificateAuthority)
      let dave = signers.entries[3]
      #expect(dave.namespacePatterns == ["file", "labrun-\"odd\""])
      #expect(dave.validAfter == Date(timeIntervalSince1970: 1_704_067_200))
      #expect(dave.validBefore == Date(timeIntervalSince1970: 1_735_689_540))
      #expect(signers.entries[4].keyType == "sk-ssh-ed25519@openssh.com")
      #expect(signers.entries.dropLast().allSatisfy { $0.keyBlob == (try? Self.publicKey().blob) })
    }

    @Test func crlfLineEndsCountAsOneLine() async throws {
      let text =
        "# signers\r\n\r\nalice@example.com \(Self.key)\r\nbob@example.com \(Self.key) laptop\r\nbroken\r\n"

      let error = #expect(throws: BundleSignatureError.self) {
        try AllowedSigners(text: text, path: Self.path)
      }
      let signers = try AllowedSigners(
        text: text.replacingOccurrences(of: "broken\r\n", with: ""), path: Self.path)

      #expect(
        error == .allowedSignersSyntax(path: Self.path, line: 5, reason: "missing key after the principals"))
      #expect(signers.entries.map(\.line) == [3, 4])
      #expect(signers.entries.map(\.principalPatterns) == [["alice@example.com"], ["bob@example.com"]])
    }

    @Test func timesWithoutZAreLocal() async throws {
      let signers = try AllowedSigners(
        text: "a@example.com valid-after=\"20240301\",valid-before=\"202403021530\" \(Self.key)",
        path: Self.path)

      var calendar = Calendar(identifier: .gregorian)
      calendar.timeZone = .current
      let entry = try #require(signers.entries.first)
      #expect(entry.validAfter == calendar.date(from: DateComponents(year: 2024, month: 3, day: 1)))
      #expect(
        entry.validBefore
          == calendar.date(from: DateComponents(year: 2024, month: 3, day: 2, hour: 15, minute: 30)))
    }

    @Test(arguments: [
      ("alice@example.com", "*@example.com", SSHPatternList.Match.matched),
      ("alice@example.org", "*@example.com", .unmatched),
      ("eve@example.com", "*@example.com,!eve@example.com", .excluded),
      ("eve@example.com", "!eve@example.com,*@example.com", .excluded),
      ("bob@example.com", "*@example.com,!eve@example.com", .matched),
      ("abc", "a?c", .matched),
      ("abbc", "a?c", .unmatched),
      ("labrun-bundle", "file,labrun-*", .matched),
      ("labrun-bundle", "labrun-bundle-old", .unmatched),
      ("a*b", "a\\*b", .unmatched),
      ("", "*", .matched),
      ("x", "", .unmatched),
    ])
    func patternLists(string: String, list: String, expected: SSHPatternList.Match) {
      #expect(SSHPatternList(list).match(string) == expected)
    }

    @Test func validityWindowIsEnforced() async throws {
      let key = try Self.publicKey()
      let text = """
        early@example.com valid-before="20200101Z" \(Self.key)
        late@example.com valid-after="20990101Z" \(Self.key)
        """
      let signers = try AllowedSigners(text: text, path: Self.path)
      let now = Date(timeIntervalSince1970: 1_750_000_000)

      let error = #expect(throws: BundleSignatureError.self) {
        try signers.authorize(key, namespace: "labrun-bundle", principal: nil, at: now)
      }
      let past = try signers.authorize(
        key, namespace: "labrun-bundle", principal: nil, at: Date(timeIntervalSince1970: 1_500_000_000))
      let future = try signers.authorize(
        key, namespace: "labrun-bundle", principal: nil, at: Date(timeIntervalSince1970: 4_200_000_000))

      #expect(
        error
          == .keyExpired(
            fingerprint: key.fingerprint, validBefore: Date(timeIntervalSince1970: 1_577_836_800),
            allowedSigners: Self.path, line: 1))
      #expect(past.line == 1)
      #expect(future.line == 2)
    }

    @Test func askedPrincipalMustBeListed() async throws {
      let key = try Self.publicKey()
      let signers = try AllowedSigners(text: "*@example.com,!eve@example.com \(Self.key)", path: Self.path)

      let bob = try signers.authorize(
        key, namespace: "labrun-bundle", principal: "bob@example.com", at: Date())
      let eve = #expect(throws: BundleSignatureError.self) {
        try signers.authorize(key, namespace: "labrun-bundle", principal: "eve@example.com", at: Date())
      }

      #expect(bob.line == 1)
      #expect(
        eve
          == .principalNotAllowed(
            principal: "eve@example.com", fingerprint: key.fingerprint, allowedSigners: Self.path))
    }

    @Test func certificateAuthorityLineDoesNotAdmitThePlainKey() async throws {
      let key = try Self.publicKey()
      let signers = try AllowedSigners(text: "*@example.com cert-authority \(Self.key)", path: Self.path)

      let error = #expect(throws: BundleSignatureError.self) {
        try signers.authorize(key, namespace: "labrun-bundle", principal: nil, at: Date())
      }

      #expect(error == .keyNotAllowed(fingerprint: key.fingerprint, allowedSigners: Self.path))
    }

    @Test func unreadableFileIsNamed() {
      let missing = URL(fileURLWithPath: "/nonexistent/allowed_signers")

      let error = #expect(throws: BundleSignatureError.self) {
        try AllowedSigners(contentsOf: missing)
      }

      #expect("\(error.map { "\($0)" } ?? "")".hasPrefix("cannot read /nonexistent/allowed_signers"))
    }
  }
}
