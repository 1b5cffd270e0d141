import Foundation
import Testing

@testable import BundleSigning

extension BundleSigningSuites {
  /// The PROTOCOL.sshsig encoding: armor, blob fields, and what a verifier must refuse.
  @Suite struct SSHSignatureFormatTests {
    static let signer = "signer@example.com"

    /// A blob laid out as PROTOCOL.sshsig says, from parts that may be wrong on purpose.
    static func blob(
      magic: String = "SSHSIG", version: UInt32 = 1, publicKey: [UInt8], namespace: String = "labrun-bundle",
      hashAlgorithm: String = "sha512", signature: [UInt8]
    ) -> [UInt8] {
      var writer = SSHWireWriter()
      writer.write(raw: Array(magic.utf8))
      writer.write(uint32: version)
      writer.write(string: publicKey)
      writer.write(text: namespace)
      writer.write(string: [])
      writer.write(text: hashAlgorithm)
      writer.write(string: signature)
      return writer.bytes
    }

    static func armor(_ blob: [UInt8]) -> String {
      "-----BEGIN SSH SIGNATURE-----\n\(Data(blob).base64EncodedString())\n-----END SSH SIGNATURE-----\n"
    }

    @Test(arguments: KeyKind.allCases)
    func armorIsLaidOutAsSSHKeygenWritesIt(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "signer")
      let bundle = try fixture.writeBundle()
      let keygenText = try String(
        contentsOf: await fixture.keygenSign(bundle, key: key, namespace: SSHSignature.bundleNamespace),
        encoding: .utf8)

      let ours = try SSHSignature.sign(fileAt: bundle, key: SigningKey.load(path: key.path, environment: [:]))
        .armored

      for text in [ours, keygenText] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "-----BEGIN SSH SIGNATURE-----")
        #expect(Array(lines.suffix(2)) == ["-----END SSH SIGNATURE-----", ""])
        #expect(lines.dropFirst().dropLast(3).allSatisfy { $0.count == 70 })
        #expect((1...70).contains(lines.dropLast(2).last?.count ?? 0))
      }
      // Ed25519 and RSA signatures have a fixed size: the same layout as ssh-keygen's, line for line.
      // (ECDSA's r and s vary in length by a byte from one signature to the next.)
      if kind == .ed25519 || kind == .rsa {
        let layout = { (text: String) in
          text.split(separator: "\n", omittingEmptySubsequences: false).map(\.count)
        }
        #expect(layout(ours) == layout(keygenText))
      }
    }

    @Test(arguments: [
      ("", "no -----BEGIN SSH SIGNATURE----- line at the start"),
      ("hello\n-----BEGIN SSH SIGNATURE-----\n", "no -----BEGIN SSH SIGNATURE----- line at the start"),
      ("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n", "no -----END SSH SIGNATURE----- line"),
      ("-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n", "is not base64"),
    ])
    func textWithoutArmorIsRejected(text: String, reason: String) {
      let error = #expect(throws: BundleSignatureError.self) {
        try SSHSignature.parse(armored: text)
      }

      guard case .signatureNotArmored(let found) = error else {
        Issue.record("expected signatureNotArmored, got \(String(describing: error))")
        return
      }
      #expect(found.contains(reason), "reason: \(found)")
    }

    @Test func crlfAndSurroundingWhitespaceAreAccepted() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(.ed25519, name: "signer")
      let bundle = try fixture.writeBundle()
      let text = try String(
        contentsOf: await fixture.keygenSign(bundle, key: key, namespace: SSHSignature.bundleNamespace),
        encoding: .utf8)
      let original = try SSHSignature.parse(armored: text)

      let crlf = try SSHSignature.parse(
        armored: "\n " + text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")

      #expect(crlf == original)
      #expect(crlf.armored == text)
    }

    @Test func badFieldsAreRejected() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(.ed25519, name: "signer")
      let bundle = try fixture.writeBundle()
      let real = try SSHSignature.parse(
        contentsOf: await fixture.keygenSign(bundle, key: key, namespace: SSHSignature.bundleNamespace))
      let publicKey = real.publicKey.blob
      let signature = real.signatureBlob
      #expect(Self.blob(publicKey: publicKey, signature: signature) == real.blob)

      let cases: [([UInt8], BundleSignatureError)] = [
        (Self.blob(magic: "SSHSIH", publicKey: publicKey, signature: signature), .signatureBadMagic),
        (Self.blob(version: 2, publicKey: publicKey, signature: signature), .signatureUnsupportedVersion(2)),
        (
          Self.blob(publicKey: publicKey, hashAlgorithm: "md5", signature: signature),
          .unsupportedHashAlgorithm("md5")
        ),
        (
          Self.blob(publicKey: publicKey, signature: signature) + [0],
          .signatureMalformed(reason: "trailing data after the signature")
        ),
        (
          Self.blob(publicKey: publicKey, namespace: "", signature: signature),
          .signatureMalformed(reason: "empty namespace")
        ),
        (Array(real.blob.prefix(40)), .signatureMalformed(reason: "truncated public key")),
      ]
      for (blob, expected) in cases {
        let error = #expect(throws: BundleSignatureError.self) {
          try SSHSignature.parse(armored: Self.armor(blob))
        }
        #expect(error == expected)
      }
    }

    @Test func plainSSHRSASignatureIsRefused() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(.rsa, name: "signer")
      let bundle = try fixture.writeBundle()
      let allowed = try AllowedSigners(
        text: "\(Self.signer) \(fixture.publicKeyLine(key))",
        path: fixture.directory.appending("allowed").path)
      let genuine = try SSHSignature.sign(
        fileAt: bundle, key: SigningKey.load(path: key.path, environment: [:]))
      var reader = SSHWireReader(genuine.signatureBlob)
      let algorithm = try reader.readText("algorithm")
      #expect(algorithm == "rsa-sha2-512")
      var relabelled = SSHWireWriter()
      relabelled.write(text: "ssh-rsa")
      relabelled.write(string: try reader.readString("signature"))
      let sha1 = SSHSignature(
        publicKey: genuine.publicKey, namespace: genuine.namespace, hashAlgorithm: .sha512,
        signatureBlob: relabelled.bytes)

      let error = #expect(throws: BundleSignatureError.self) {
        try sha1.verify(fileAt: bundle, allowedSigners: allowed)
      }

      #expect(error == .rsaSHA1Refused(fingerprint: genuine.publicKey.fingerprint))
      #expect(try genuine.verify(fileAt: bundle, allowedSigners: allowed).principals == [Self.signer])
    }

    @Test func sha256HashedSignatureVerifiesWithSSHKeygen() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(.ecdsaP384, name: "signer")
      let bundle = try fixture.writeBundle()
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])

      let signature = try SSHSignature.sign(
        fileAt: bundle, key: SigningKey.load(path: key.path, environment: [:]), hashAlgorithm: .sha256)

      let signatureFile = fixture.directory.appending("bundle.tar.gz.sig")
      try Data(signature.armored.utf8).write(to: signatureFile)
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status == 0, "ssh-keygen -Y verify: \(keygen.output)")
      let parsed = try SSHSignature.parse(contentsOf: signatureFile)
      #expect(parsed.hashAlgorithm == .sha256)
      #expect(
        try parsed.verify(fileAt: bundle, allowedSigners: AllowedSigners(contentsOf: allowed)).principals == [
          Self.signer
        ])
    }

    @Test func certificateSignaturesAreNotSupported() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let authority = try await fixture.makeKey(.ed25519, name: "ca")
      let key = try await fixture.makeKey(.ed25519, name: "signer")
      try await fixture.run([
        OpenSSHFixture.sshKeygen, "-q", "-s", authority.path, "-I", "signer", "-n", Self.signer,
        fixture.publicKeyFile(key).path,
      ])
      let certificateText = try String(
        contentsOf: fixture.directory.appending("signer-cert.pub"), encoding: .utf8)
      let certificate = try #require(
        Data(base64Encoded: String(certificateText.split(separator: " ")[1])).map { [UInt8]($0) })

      let error = #expect(throws: BundleSignatureError.self) {
        try SSHSignature.parse(armored: Self.armor(Self.blob(publicKey: certificate, signature: [])))
      }

      #expect(error == .certificatesNotSupported(keyType: "ssh-ed25519-cert-v01@openssh.com"))
    }
  }
}
