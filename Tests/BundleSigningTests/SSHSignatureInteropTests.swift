import Foundation
import Testing

@testable import BundleSigning

extension BundleSigningSuites {
  /// labrun's signatures against stock OpenSSH's, both ways, for every key type labrun supports.
  @Suite struct SSHSignatureInteropTests {
    static let signer = "signer@example.com"

    @Test(arguments: KeyKind.allCases)
    func labrunSignatureVerifiesWithSSHKeygen(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "signer")
      // Larger than one read chunk and not a multiple of it, so hashing streams across chunks.
      let bundle = try fixture.writeRandomFile(
        "B.tar.gz", count: 2 * SignatureHashAlgorithm.chunkSize + 12_345)
      let signingKey = try SigningKey.load(path: key.path, environment: [:])
      guard case .privateKey = signingKey else {
        Issue.record("an unencrypted key file should sign directly, got \(signingKey)")
        return
      }

      let signatureFile = try SSHSignature.signBundle(at: bundle, key: signingKey)

      #expect(signatureFile.path == bundle.path + ".sig")
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])
      let fingerprint = try await fixture.fingerprint(key)
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status == 0, "ssh-keygen -Y verify: \(keygen.output)")
      #expect(keygen.output.contains("Good \"labrun-bundle\" signature for \(Self.signer)"))
      let verification = try SSHSignature.verifyBundle(
        at: bundle, allowedSigners: AllowedSigners(contentsOf: allowed))
      #expect(verification.principals == [Self.signer])
      #expect(verification.fingerprint == fingerprint)
      #expect(verification.keyType == kind.keyType)
      #expect(verification.signatureAlgorithm == kind.signatureAlgorithm)
    }

    @Test(arguments: KeyKind.allCases)
    func sshKeygenSignatureVerifiesWithLabrun(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "signer")
      let other = try await fixture.makeKey(.ed25519, name: "other")
      let bundle = try fixture.writeBundle()
      let signatureFile = try await fixture.keygenSign(
        bundle, key: key, namespace: SSHSignature.bundleNamespace)
      // No blank line here: OpenSSH 9.2's find-principals reports one as "missing key" (ssh-keygen(1)
      // says blank lines are ignored; labrun ignores them, see AllowedSignersTests).
      let allowed = try fixture.writeAllowedSigners([
        "# evidence signers", "other@example.com \(fixture.publicKeyLine(other))",
        "alice@example.com,*@ci.example.com,!eve@ci.example.com \(fixture.publicKeyLine(key)) a comment",
      ])
      let fingerprint = try await fixture.fingerprint(key)

      let verification = try SSHSignature.verifyBundle(
        at: bundle, allowedSigners: AllowedSigners(contentsOf: allowed))

      #expect(verification.fingerprint == fingerprint)
      #expect(verification.keyType == kind.keyType)
      #expect(verification.signatureAlgorithm == kind.signatureAlgorithm)
      #expect(verification.allowedSignersLine == 3)
      #expect(verification.principals == ["alice@example.com", "*@ci.example.com"])
      // ssh-keygen prints the line's patterns, negated ones too; labrun reports the positive ones.
      let keygenPrincipals = await fixture.keygenFindPrincipals(
        signature: signatureFile, allowedSigners: allowed)
      #expect(keygenPrincipals == ["alice@example.com", "*@ci.example.com", "!eve@ci.example.com"])
      let asked = try SSHSignature.verifyBundle(
        at: bundle, allowedSigners: AllowedSigners(contentsOf: allowed), principal: "build@ci.example.com")
      #expect(asked.principals == ["build@ci.example.com"])
      // The same signature, parsed and re-armored, is byte for byte what ssh-keygen wrote.
      let text = try String(contentsOf: signatureFile, encoding: .utf8)
      #expect(try SSHSignature.parse(armored: text).armored == text)
    }

    @Test(arguments: KeyKind.allCases)
    func tamperedBundleIsRefused(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "signer")
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])
      let signers = try AllowedSigners(contentsOf: allowed)
      let fingerprint = try await fixture.fingerprint(key)
      let ours = try fixture.writeBundle("ours.tar.gz")
      let oursSignature = try SSHSignature.signBundle(
        at: ours, key: SigningKey.load(path: key.path, environment: [:]))
      let theirs = try fixture.writeBundle("theirs.tar.gz")
      _ = try await fixture.keygenSign(theirs, key: key, namespace: SSHSignature.bundleNamespace)
      try fixture.tamper(ours)
      try fixture.tamper(theirs)

      for bundle in [ours, theirs] {
        let error = #expect(throws: BundleSignatureError.self) {
          try SSHSignature.verifyBundle(at: bundle, allowedSigners: signers)
        }
        #expect(error == .signatureInvalid(fingerprint: fingerprint, path: bundle.path))
      }
      let keygen = await fixture.keygenVerify(
        ours, signature: oursSignature, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status != 0, "ssh-keygen accepted a tampered bundle: \(keygen.output)")
    }

    @Test(arguments: KeyKind.allCases)
    func wrongNamespaceIsRefused(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "signer")
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])
      let bundle = try fixture.writeBundle()
      _ = try await fixture.keygenSign(bundle, key: key, namespace: "file")

      let error = #expect(throws: BundleSignatureError.self) {
        try SSHSignature.verifyBundle(at: bundle, allowedSigners: AllowedSigners(contentsOf: allowed))
      }

      #expect(error == .namespaceMismatch(expected: "labrun-bundle", found: "file"))
      // And the other way: labrun signs for another namespace, ssh-keygen refuses it as a bundle's.
      let other = try fixture.writeBundle("other.tar.gz")
      let signature = try SSHSignature.sign(
        fileAt: other, namespace: "file", key: SigningKey.load(path: key.path, environment: [:]))
      let signatureFile = fixture.directory.appending("other.tar.gz.sig")
      try Data(signature.armored.utf8).write(to: signatureFile)
      let keygen = await fixture.keygenVerify(
        other, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status != 0, "ssh-keygen accepted a signature from another namespace: \(keygen.output)")
      #expect(
        await fixture.keygenVerify(
          other, signature: signatureFile, allowedSigners: allowed, identity: Self.signer, namespace: "file"
        ).status == 0)
    }

    @Test(arguments: KeyKind.allCases)
    func keyNotInAllowedSignersIsRefused(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "signer")
      let stranger = try await fixture.makeKey(kind, name: "stranger")
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])
      let bundle = try fixture.writeBundle()
      let signatureFile = try SSHSignature.signBundle(
        at: bundle, key: SigningKey.load(path: stranger.path, environment: [:]))

      let error = #expect(throws: BundleSignatureError.self) {
        try SSHSignature.verifyBundle(at: bundle, allowedSigners: AllowedSigners(contentsOf: allowed))
      }

      let fingerprint = try await fixture.fingerprint(stranger)
      #expect(error == .keyNotAllowed(fingerprint: fingerprint, allowedSigners: allowed.path))
      #expect("\(error.map { "\($0)" } ?? "")".contains(fingerprint))
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status != 0, "ssh-keygen accepted an unlisted key: \(keygen.output)")
    }

    @Test(arguments: KeyKind.allCases)
    func namespacesOptionExcludingBundlesIsRefused(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "signer")
      let line = try fixture.publicKeyLine(key)
      let excluding = try fixture.writeAllowedSigners(
        ["# git and files only", "\(Self.signer) namespaces=\"file,git\" \(line)"], name: "excluding")
      let including = try fixture.writeAllowedSigners(
        ["\(Self.signer) NAMESPACES=\"file,labrun-*\" \(line)"], name: "including")
      let bundle = try fixture.writeBundle()
      let signatureFile = try await fixture.keygenSign(
        bundle, key: key, namespace: SSHSignature.bundleNamespace)

      let error = #expect(throws: BundleSignatureError.self) {
        try SSHSignature.verifyBundle(at: bundle, allowedSigners: AllowedSigners(contentsOf: excluding))
      }

      let fingerprint = try await fixture.fingerprint(key)
      #expect(
        error
          == .namespaceNotPermitted(
            fingerprint: fingerprint, namespace: "labrun-bundle", allowedSigners: excluding.path, line: 2))
      #expect("\(error.map { "\($0)" } ?? "")".contains(fingerprint))
      let refused = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: excluding, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(
        refused.status != 0, "ssh-keygen accepted a key whose namespaces exclude bundles: \(refused.output)")
      let accepted = try SSHSignature.verifyBundle(
        at: bundle, allowedSigners: AllowedSigners(contentsOf: including))
      #expect(accepted.principals == [Self.signer])
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: including, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status == 0, "ssh-keygen: \(keygen.output)")
    }
  }
}
