import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// What labrun refuses rather than ignore, through `ssh -G` and through its own parser.
@Suite struct SSHHostResolverTests {
  static let config = """
    Host bind
      HostName 10.0.0.1
      BindAddress 10.0.0.2
    Host bindif
      BindInterface eth9
    Host cert
      CertificateFile ~/.ssh/id_ed25519-cert.pub
    Host pkcs
      PKCS11Provider /usr/lib/opensc-pkcs11.so
    Host khc
      KnownHostsCommand /bin/true %H
    Host fdpass
      ProxyCommand nc %h %p
      ProxyUseFdpass yes
    Host stdio
      ProxyCommand -
    Host badtoken
      ProxyCommand nc %h %x
    Host jumpy-*
      ProxyJump jumpy-b
    Host via-refused
      HostName 10.0.0.5
      ProxyJump bind
    Host mexec
      HostName 10.0.0.9
    Match originalhost mexec exec "true"
      User execuser
    Match originalhost unrelated exec "false"
      User never
    Host canon
      CanonicalizeHostname yes
    Host *
      ProxyJump none
    """

  /// Both resolvers over `config` in a fresh directory.
  struct Setup {
    let directory: TemporaryDirectory
    let resolvers: [SSHHostResolver]

    init(_ text: String = SSHHostResolverTests.config) throws {
      directory = try TemporaryDirectory(prefix: "labrun-resolver")
      let file = directory.appending("config")
      try text.write(to: file, atomically: true, encoding: .utf8)
      let environment = ["HOME": directory.path, "USER": "tester", "PATH": "/usr/bin:/bin"]
      let options = ConnectionOptions(sshConfigFile: file.path, environment: environment)
      guard let ssh = options.openSSH else {
        throw LoopbackSSHServer.ServerError.missingTool("ssh (openssh-client)")
      }
      let openSSH = SSHHostResolver(
        source: .openSSH(OpenSSHConfigResolver(executable: ssh, configFile: file.path)), home: directory.path,
        localUser: "tester", environment: environment)
      let builtin = SSHHostResolver(
        source: .builtin(try SSHConfig(configFile: file.path, home: directory.path)), home: directory.path,
        localUser: "tester", environment: environment)
      resolvers = [openSSH, builtin]
    }
  }

  @Test(arguments: [
    ("bind", "BindAddress"), ("bindif", "BindInterface"), ("cert", "CertificateFile"),
    ("pkcs", "PKCS11Provider"),
    ("khc", "KnownHostsCommand"), ("fdpass", "ProxyUseFdpass"), ("stdio", "ProxyCommand"),
    ("via-refused", "BindAddress"),
  ])
  func optionThatCannotBeHonouredIsRefusedByName(host: String, option: String) async throws {
    let setup = try Setup()
    defer { setup.directory.remove() }
    for resolver in setup.resolvers {
      let error = await #expect(throws: SSHError.self, "\(resolver.name)") {
        _ = try await resolver.plan(SSHJumpHop(host: host), name: host)
      }
      guard case .optionUnsupported(_, let named, _, _) = error else {
        Issue.record("\(resolver.name): expected optionUnsupported, got \(String(describing: error))")
        continue
      }
      #expect(named == option, "\(resolver.name)")
      #expect("\(error.map { "\($0)" } ?? "")".contains("cannot honour"))
    }
  }

  /// A host whose ProxyJump leads back to itself: `ssh -G` says so itself, labrun's parser
  /// finds the loop on the route.
  @Test func proxyJumpLoopIsRefused() async throws {
    let setup = try Setup()
    defer { setup.directory.remove() }
    for resolver in setup.resolvers {
      let error = await #expect(throws: SSHError.self, "\(resolver.name)") {
        _ = try await resolver.plan(SSHJumpHop(host: "jumpy-a"), name: "jumpy-a")
      }
      let text = error.map { "\($0)" } ?? ""
      #expect(text.contains("loop") && text.contains("jumpy-b"), "\(resolver.name): \(text)")
    }
  }

  @Test func unknownTokenIsAnError() async throws {
    let setup = try Setup()
    defer { setup.directory.remove() }
    for resolver in setup.resolvers {
      await #expect(throws: SSHError.self, "\(resolver.name)") {
        _ = try await resolver.plan(SSHJumpHop(host: "badtoken"), name: "badtoken")
      }
    }
  }

  /// `ssh -G` runs `Match exec` and labrun follows it; labrun's own parser cannot, and says so
  /// rather than guess, but only where the criterion decides something.
  @Test func matchExecIsEvaluatedByOpenSSHAndRefusedByTheFallback() async throws {
    let setup = try Setup()
    defer { setup.directory.remove() }
    let (openSSH, builtin) = (setup.resolvers[0], setup.resolvers[1])
    #expect(try await openSSH.plan(SSHJumpHop(host: "mexec"), name: "mexec").user == "execuser")
    let error = await #expect(throws: SSHError.self) {
      _ = try await builtin.plan(SSHJumpHop(host: "mexec"), name: "mexec")
    }
    guard case .optionUnsupported(_, let option, _, _) = error else {
      Issue.record("expected optionUnsupported, got \(String(describing: error))")
      return
    }
    #expect(option == "Match exec")
    #expect("\(error.map { "\($0)" } ?? "")".contains("openssh-client"))
    // The `exec` after a failed `originalhost` decides nothing: other hosts resolve.
    #expect(try await builtin.plan(SSHJumpHop(host: "bind-not"), name: "bind-not").user == "tester")
  }

  @Test func canonicalizationIsLeftToOpenSSH() async throws {
    let setup = try Setup()
    defer { setup.directory.remove() }
    #expect(try await setup.resolvers[0].plan(SSHJumpHop(host: "canon"), name: "canon").hostName == "canon")
    let error = await #expect(throws: SSHError.self) {
      _ = try await setup.resolvers[1].plan(SSHJumpHop(host: "canon"), name: "canon")
    }
    guard case .optionUnsupported(_, let option, _, _) = error else {
      Issue.record("expected optionUnsupported, got \(String(describing: error))")
      return
    }
    #expect(option == "CanonicalizeHostname")
  }

  /// Without `ssh` on PATH (or with `LABRUN_SSH=`), labrun's own parser is used.
  @Test func resolverFollowsWhetherSSHIsInstalled() async throws {
    let setup = try Setup("Host x\n  HostName 192.0.2.40\n")
    defer { setup.directory.remove() }
    let file = setup.directory.appending("config").path
    let home = setup.directory.path
    let withSSH = ConnectionOptions(
      sshConfigFile: file, environment: ["HOME": home, "PATH": "/usr/bin:/bin"])
    let withoutSSH = ConnectionOptions(sshConfigFile: file, environment: ["HOME": home, "PATH": home])
    let turnedOff = ConnectionOptions(
      sshConfigFile: file, environment: ["HOME": home, "PATH": "/usr/bin:/bin", "LABRUN_SSH": ""])
    #expect(try await SSHTransportFactory.destination(host: "x", options: withSSH).resolvedBy == "ssh -G")
    for options in [withoutSSH, turnedOff] {
      let destination = try await SSHTransportFactory.destination(host: "x", options: options)
      #expect(destination.resolvedBy == "labrun's ssh_config parser")
      #expect(destination.hostName == "192.0.2.40")
    }
  }
}
