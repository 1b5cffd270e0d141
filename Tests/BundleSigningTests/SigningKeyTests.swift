import Foundation
import Testing

@testable import BundleSigning

extension BundleSigningSuites {
  /// Which key signs: key files, encrypted keys through a real ssh-agent, and the errors that say
  /// what to do when neither works.
  @Suite struct SigningKeyTests {
    static let signer = "signer@example.com"
    static let passphrase = "correct horse battery staple"

    @Test(arguments: KeyKind.allCases)
    func agentSignsWithAnEncryptedKey(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let agent = try await fixture.startAgent()
      defer { agent.stop() }
      let key = try await fixture.makeKey(kind, name: "signer")
      try await agent.add(key)
      try await fixture.encrypt(key, passphrase: Self.passphrase)
      let bundle = try fixture.writeBundle()

      let signingKey = try SigningKey.load(path: key.path, environment: agent.environment)
      let signatureFile = try SSHSignature.signBundle(at: bundle, key: signingKey)

      guard case .agent(let socket, _) = signingKey else {
        Issue.record("an encrypted key should sign through the agent, got \(signingKey)")
        return
      }
      #expect(socket == agent.socket)
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status == 0, "ssh-keygen -Y verify: \(keygen.output)")
      let verification = try SSHSignature.verifyBundle(
        at: bundle, allowedSigners: AllowedSigners(contentsOf: allowed))
      #expect(verification.signatureAlgorithm == kind.signatureAlgorithm)
      #expect(verification.fingerprint == signingKey.publicKey.fingerprint)
    }

    @Test(arguments: KeyKind.allCases)
    func encryptedKeyWithoutAgentSaysWhatToDo(kind: KeyKind) async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(kind, name: "locked", passphrase: Self.passphrase)
      let fingerprint = try await fixture.fingerprint(key)

      let error = #expect(throws: BundleSignatureError.self) {
        try SigningKey.load(path: key.path, environment: [:])
      }

      #expect(
        error
          == .encryptedKeyNotInAgent(
            path: key.path, fingerprint: fingerprint, agent: "SSH_AUTH_SOCK is not set"))
      let message = error.map { "\($0)" } ?? ""
      #expect(message.contains("load it with `ssh-add \(key.path)`"))
      #expect(message.contains("or use an unencrypted key"))
    }

    @Test func encryptedKeyNotLoadedInARunningAgentSaysWhatToDo() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let agent = try await fixture.startAgent()
      defer { agent.stop() }
      try await agent.add(try await fixture.makeKey(.ed25519, name: "unrelated"))
      let key = try await fixture.makeKey(.ed25519, name: "locked", passphrase: Self.passphrase)

      let loadedElsewhere = #expect(throws: BundleSignatureError.self) {
        try SigningKey.load(path: key.path, environment: agent.environment)
      }
      let gonePath = fixture.directory.appending("gone").path
      let unreachable = #expect(throws: BundleSignatureError.self) {
        try SigningKey.load(path: key.path, environment: ["SSH_AUTH_SOCK": gonePath])
      }

      let elsewhere = loadedElsewhere.map { "\($0)" } ?? ""
      #expect(elsewhere.contains("the ssh-agent at \(agent.socket) holds 1 other key(s)"))
      #expect(elsewhere.contains("ssh-add \(key.path)"))
      let gone = unreachable.map { "\($0)" } ?? ""
      #expect(gone.contains("(the ssh-agent at \(gonePath): cannot connect: No such file or directory)"))
      #expect(gone.contains("ssh-add \(key.path)"))
    }

    @Test func publicKeyFileSignsThroughTheAgent() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(.ecdsaP256, name: "signer")
      let publicKey = fixture.publicKeyFile(key)

      let withoutAgent = #expect(throws: BundleSignatureError.self) {
        try SigningKey.load(path: publicKey.path, environment: [:])
      }
      let agent = try await fixture.startAgent()
      defer { agent.stop() }
      try await agent.add(key)
      let signingKey = try SigningKey.load(path: publicKey.path, environment: agent.environment)

      #expect("\(withoutAgent.map { "\($0)" } ?? "")".contains("load it with `ssh-add \(key.path)`"))
      let bundle = try fixture.writeBundle()
      let signatureFile = try SSHSignature.signBundle(at: bundle, key: signingKey)
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status == 0, "ssh-keygen -Y verify: \(keygen.output)")
    }

    @Test func unencryptedKeySignsWithoutTheAgent() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(.ed25519, name: "signer")

      let signingKey = try SigningKey.load(
        path: key.path, environment: ["SSH_AUTH_SOCK": fixture.directory.appending("no-agent").path])

      guard case .privateKey(let privateKey) = signingKey else {
        Issue.record("expected the key file itself, got \(signingKey)")
        return
      }
      #expect(privateKey.comment == "signer@labrun-test")
      #expect(!"\(privateKey)".contains("PRIVATE"))
    }

    @Test func pemKeyNamesTheConversionOrSignsThroughTheAgent() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let key = try await fixture.makeKey(.ecdsaP256, name: "pem", format: ["-m", "PEM"])

      let error = #expect(throws: BundleSignatureError.self) {
        try SigningKey.load(path: key.path, environment: [:])
      }
      let agent = try await fixture.startAgent()
      defer { agent.stop() }
      try await agent.add(key)
      let signingKey = try SigningKey.load(path: key.path, environment: agent.environment)

      #expect(error == .privateKeyFormatUnsupported(path: key.path, format: "EC PRIVATE KEY"))
      #expect("\(error.map { "\($0)" } ?? "")".contains("ssh-keygen -p -f \(key.path)"))
      guard case .agent = signingKey else {
        Issue.record("a PEM key loaded in the agent should sign through it, got \(signingKey)")
        return
      }
      let bundle = try fixture.writeBundle()
      let signatureFile = try SSHSignature.signBundle(at: bundle, key: signingKey)
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(fixture.publicKeyLine(key))"])
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status == 0, "ssh-keygen -Y verify: \(keygen.output)")
    }

    /// OpenSSH's agent signs RSA with SHA-256 when asked; such signatures verify too (ssh-keygen
    /// accepts rsa-sha2-256 and rsa-sha2-512).
    @Test func rsaSHA256SignatureFromTheAgentVerifies() async throws {
      let fixture = try OpenSSHFixture()
      defer { fixture.remove() }
      let agent = try await fixture.startAgent()
      defer { agent.stop() }
      let key = try await fixture.makeKey(.rsa, name: "signer")
      try await agent.add(key)
      let publicKey = try SSHPublicKey(contentsOf: fixture.publicKeyFile(key))
      let bundle = try fixture.writeBundle()
      let digest = try SignatureHashAlgorithm.sha512.digest(ofFileAt: bundle)
      let signedData = SSHSignature.signedData(
        namespace: SSHSignature.bundleNamespace, hashAlgorithm: .sha512, digest: digest)
      let sha256Flag: UInt32 = 2

      let blob = try #require(
        try SSHAgentClient(socketPath: agent.socket).sign(
          keyBlob: publicKey.blob, data: signedData, flags: sha256Flag))

      let signature = SSHSignature(
        publicKey: publicKey, namespace: SSHSignature.bundleNamespace, hashAlgorithm: .sha512,
        signatureBlob: blob)
      #expect(signature.signatureAlgorithm == "rsa-sha2-256")
      let allowed = try fixture.writeAllowedSigners(["\(Self.signer) \(publicKey.openSSHLine)"])
      let verification = try signature.verify(
        fileAt: bundle, allowedSigners: AllowedSigners(contentsOf: allowed))
      #expect(verification.signatureAlgorithm == "rsa-sha2-256")
      let signatureFile = fixture.directory.appending("bundle.tar.gz.sig")
      try Data(signature.armored.utf8).write(to: signatureFile)
      let keygen = await fixture.keygenVerify(
        bundle, signature: signatureFile, allowedSigners: allowed, identity: Self.signer,
        namespace: SSHSignature.bundleNamespace)
      #expect(keygen.status == 0, "ssh-keygen -Y verify: \(keygen.output)")
    }
  }
}
