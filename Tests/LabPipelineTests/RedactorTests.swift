import Foundation
import LabPipeline
import TestSupport
import Testing

@Suite struct RedactorTests {
  @Test(arguments: [
    ("K3S_TOKEN=abc123secret ./install.sh", "abc123secret"),
    ("export DB_PASSWORD='p a s s'", "p a s s"),
    ("my_secret: shhh-value", "shhh-value"),
    (#"{"token": "eyJhbGciOi.payload.sig"}"#, "eyJhbGciOi.payload.sig"),
    ("k3s agent --token K10abcdef0123456789abcdef::server:0123456789abcdef", "0123456789abcdef"),
    ("k3s server --agent-token=verysecretvalue", "verysecretvalue"),
    ("join with K1072af0e1b5d4f0c3a9e81d2::server:4f1a9bc2e8d7", "4f1a9bc2e8d7"),
    (
      "    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t",
      "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t"
    ),
    ("    client-certificate-data: Q0VSVElGSUNBVEU=", "Q0VSVElGSUNBVEU="),
    // A secret-named *_FILE keeps only a path: anything else is hidden as before.
    ("K3S_TOKEN_FILE=hunter2secret sh install.sh", "hunter2secret"),
    ("K3S_TOKEN_FILE=K10abcdef0123456789abcdef::server:0123456789abcdef", "0123456789abcdef"),
    ("DB_PASSWORD_FILE='/tmp/x' K3S_TOKEN=abc123secret", "abc123secret"),
    (
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
      "b3BlbnNzaC1rZXk"
    ),
  ])
  func hidesSecrets(text: String, secret: String) {
    let redacted = Redactor().redact(text)
    #expect(!redacted.contains(secret), "\(redacted)")
    #expect(redacted.contains(Redactor.mask))
  }

  /// `K3S_TOKEN_FILE=/etc/rancher/k3s/join-token` names where the token is, not the token: the
  /// plan and transcript show the path (a `*_FILE` of a secret name whose value is an absolute path).
  @Test(arguments: [
    "K3S_URL='https://10.0.0.5:6443' K3S_TOKEN_FILE=/etc/rancher/k3s/join-token K3S_NODE_NAME=s2 sh install.sh",
    "export DB_PASSWORD_FILE='/run/secrets/db'",
  ])
  func keepsTheFileOfASecretButNotTheSecret(text: String) {
    #expect(Redactor().redact(text) == text)
  }

  @Test func keepsOrdinaryText() {
    let text = "NVIDIA-SMI 550.54.15  Driver Version: 550.54.15  CUDA Version: 12.4\nslice_mib=8000"
    #expect(Redactor().redact(text) == text)
  }

  @Test func hidesRegisteredAndEnvironmentSecrets() {
    let redactor = Redactor(environment: ["HF_TOKEN": "hf_abcdefghij", "HOME": "/root", "PATH": "/usr/bin"])
    redactor.register("literal-secret-42")
    redactor.register("abc")  // too short to hide safely
    let redacted = redactor.redact("a hf_abcdefghij b literal-secret-42 c abc /root")
    #expect(redacted == "a [REDACTED] b [REDACTED] c abc /root")
  }

  @Test func secretsNeverReachTranscriptLedgerArtifactsOrEvents() async throws {
    let redactor = Redactor(environment: ["LAB_SECRET": "env-secret-value"])
    let fixture = try RunFixture(redactor: redactor)
    defer { fixture.home.remove() }
    let kubeconfig = """
      apiVersion: v1
      kind: Config
      users:
      - name: default
        user:
          client-certificate-data: Y2VydGlmaWNhdGUtZGF0YQ==
          client-key-data: a2V5LWRhdGEtc2VjcmV0
      """
    let transport = RecordingTransport { command in
      if command.script.hasPrefix("cat") { return RecordingTransport.output(kubeconfig) }
      return RecordingTransport.output(
        "K3S_TOKEN=K10aaaabbbbccccdddd0000::server:tok3nvalue\nenv-secret-value\n")
    }
    let events = EventLog()
    let steps: [any Step] = [
      ClosureStep("secrets") { ctx in
        ctx.registerSecret("runtime-registered-secret")
        try await ctx.capture(
          [
            RemoteCommand("K3S_TOKEN=plain-token-value k3s token list"),
            RemoteCommand("cat /etc/rancher/k3s/k3s.yaml"),
          ],
          into: "0-secrets.txt")
        try await ctx.recordParameter("api_password", .string("param-password-value"))
        ctx.note("note with runtime-registered-secret and env-secret-value")
        throw StepError.unexpected("failed holding runtime-registered-secret and PASSWORD=message-password")
      }
    ]
    var thrown = ""
    do {
      try await Pipeline(run: fixture.run, transport: transport, progress: events.handler).run(
        .up, steps: steps)
    } catch {
      thrown = String(describing: error)
    }
    let everything = try fixture.everythingWritten() + thrown + events.events.map { "\($0)" }.joined()
    for secret in [
      "tok3nvalue", "plain-token-value", "env-secret-value", "runtime-registered-secret", "message-password",
      "Y2VydGlmaWNhdGUtZGF0YQ==", "a2V5LWRhdGEtc2VjcmV0", "param-password-value",
    ] {
      #expect(!everything.contains(secret), "\(secret) leaked")
    }
    #expect(everything.contains("[REDACTED]"))
    // The artifact still carries the non-secret content.
    let artifact = try String(
      contentsOf: fixture.run.artifactsDirectory.appendingPathComponent("0-secrets.txt"), encoding: .utf8)
    #expect(artifact.contains("$ cat /etc/rancher/k3s/k3s.yaml\n\napiVersion: v1\nkind: Config"))
  }
}
