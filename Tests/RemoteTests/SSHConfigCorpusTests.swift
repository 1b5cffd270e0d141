import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// OpenSSH is the oracle: for every alias of the ssh_config corpus (`Tests/Fixtures/
/// ssh-config-corpus/`, each file listing its aliases on a `# aliases:` line), labrun's
/// resolution, through `ssh -G` and through its own parser, equals what the real `ssh -G`
/// prints for hostname, user, port, proxyjump and proxycommand, and for identity files where
/// the configuration sets them (where `ssh -G` differs from `ssh -G -F none`).
@Suite struct SSHConfigCorpusTests {
  static let files = ["patterns.conf", "match.conf", "include.conf", "proxy.conf", "tokens.conf"]

  @Test(arguments: files)
  func agreesWithOpenSSH(file: String) async throws {
    let corpus = try Corpus()
    defer { corpus.remove() }
    let config = corpus.directory.appendingPathComponent(file).path
    let aliases = try corpus.aliases(file)
    #expect(!aliases.isEmpty, "\(file) lists no aliases")
    for resolver in [corpus.openSSH(config), try corpus.builtin(config)] {
      for alias in aliases {
        let spec = try SSHTransportFactory.HostSpec(parsing: alias)
        let hop = SSHJumpHop(user: spec.user, host: spec.host, port: spec.port)
        let oracle = try await corpus.sshG(config: config, hop)
        let defaults = try await corpus.sshG(config: "none", hop)
        let where_ = "\(file) \(alias) (\(resolver.name))"
        let options = try await resolver.hostOptions(hop)
        #expect(options.hostName == oracle["hostname"]?.first, "hostname: \(where_)")
        #expect(options.user == oracle["user"]?.first, "user: \(where_)")
        #expect(String(options.port) == oracle["port"]?.first, "port: \(where_)")
        #expect(
          options.proxyJump?.map(\.description).joined(separator: ",") == oracle["proxyjump"]?.first,
          "proxyjump: \(where_)")
        #expect(options.proxyCommand == oracle["proxycommand"]?.first, "proxycommand: \(where_)")
        #expect(
          options.unsupported.isEmpty, "nothing in the corpus is refused: \(where_) \(options.unsupported)")
        let configured = oracle["identityfile"] != defaults["identityfile"]
        #expect(
          options.identityFiles == (configured ? oracle["identityfile"] ?? [] : []), "identityfile: \(where_)"
        )

        // The plan labrun connects with: identity files expanded as ssh expands them, and
        // each jump host of the ProxyJump list resolved as `ssh -G` resolves it.
        let plan = try await resolver.plan(hop, name: alias)
        #expect(
          plan.identityFiles == (options.identityFiles.map { corpus.expand($0, oracle: oracle, hop: hop) }))
        let hops = try (oracle["proxyjump"]?.first).flatMap { try SSHJumpHop.list($0) } ?? []
        #expect(plan.jumpHosts.count >= hops.count, "route: \(where_)")
        for (hop, planned) in zip(hops.reversed(), plan.jumpHosts.reversed()) {
          let hopOracle = try await corpus.sshG(config: config, hop)
          #expect(planned.hostName == hopOracle["hostname"]?.first, "jump host \(hop): \(where_)")
          #expect(planned.user == hopOracle["user"]?.first, "jump host \(hop) user: \(where_)")
          #expect(String(planned.port) == hopOracle["port"]?.first, "jump host \(hop) port: \(where_)")
        }
        #expect(
          plan.proxyCommand == nil || hops.isEmpty, "a ProxyJump route starts with no ProxyCommand: \(where_)"
        )
      }
    }
  }

  /// The issue's case: a User under `Match host` (after HostName) beats the one under `Host *`.
  @Test func matchBlockUserBeatsHostStarDefault() async throws {
    let corpus = try Corpus()
    defer { corpus.remove() }
    let config = corpus.directory.appendingPathComponent("match.conf").path
    for resolver in [corpus.openSSH(config), try corpus.builtin(config)] {
      let options = try await resolver.hostOptions(SSHJumpHop(host: "gpu-c"))
      #expect(options.user == "matchuser", "\(resolver.name)")
    }
  }

  /// The corpus in a temporary directory (`@CORPUS@` in Include lines replaced), and the
  /// resolvers and oracle over it. `HOME` is the passwd entry's home, as ssh expands `~`.
  struct Corpus {
    let directory: URL
    let ssh: String
    let home: String
    let localUser: String

    init() throws {
      let source = try Fixtures.url("ssh-config-corpus")
      directory = try TemporaryDirectory(prefix: "labrun-ssh-corpus").url
      let ssh = ConnectionOptions.findOpenSSH(ProcessInfo.processInfo.environment)
      guard let ssh else {
        throw LoopbackSSHServer.ServerError.missingTool("ssh (openssh-client)")
      }
      self.ssh = ssh
      home = SSHHostResolver.passwdHome ?? NSHomeDirectory()
      localUser = PasswordEntry(uid: getuid())?.name ?? "root"
      let files = try FileManager.default.subpathsOfDirectory(atPath: source.path)
      for name in files {
        let from = source.appendingPathComponent(name)
        let to = directory.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: from.path, isDirectory: &isDirectory)
        if isDirectory.boolValue {
          try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
          continue
        }
        let text = try String(contentsOf: from, encoding: .utf8)
          .replacingOccurrences(of: "@CORPUS@", with: directory.path)
        try text.write(to: to, atomically: true, encoding: .utf8)
      }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// The aliases a corpus file lists on its `# aliases:` line.
    func aliases(_ file: String) throws -> [String] {
      let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
      let line = text.split(separator: "\n").first { $0.hasPrefix("# aliases:") } ?? ""
      return line.dropFirst("# aliases:".count).split(separator: " ").map(String.init)
    }

    var environment: [String: String] { ["HOME": home, "USER": localUser] }

    func openSSH(_ config: String) -> SSHHostResolver {
      SSHHostResolver(
        source: .openSSH(OpenSSHConfigResolver(executable: ssh, configFile: config)), home: home,
        localUser: localUser, environment: environment)
    }

    func builtin(_ config: String) throws -> SSHHostResolver {
      SSHHostResolver(
        source: .builtin(try SSHConfig(configFile: config, home: home)), home: home, localUser: localUser,
        environment: environment)
    }

    /// The real `ssh -G` for a hop, as keyword → values (run off Swift's cooperative pool).
    func sshG(config: String, _ hop: SSHJumpHop) async throws -> [String: [String]] {
      var arguments = [ssh, "-G", "-F", config]
      if let user = hop.user { arguments += ["-l", user] }
      if let port = hop.port { arguments += ["-p", String(port)] }
      let command = arguments + ["--", hop.host]
      let result = await BlockingWork.run { SpawnedProcess.run(command) }
      guard result.status == 0 else {
        throw LoopbackSSHServer.ServerError.commandFailed("ssh -G \(hop)", result.output)
      }
      var values: [String: [String]] = [:]
      for line in result.output.split(separator: "\n") {
        guard let space = line.firstIndex(of: " ") else { continue }
        values[String(line[..<space]), default: []].append(String(line[line.index(after: space)...]))
      }
      return values
    }

    /// An IdentityFile line as ssh expands it when it loads the key, with the values `ssh -G`
    /// itself printed (an independent little expander: `~`, %h %r %p %u %d %n %%).
    func expand(_ value: String, oracle: [String: [String]], hop: SSHJumpHop) -> String {
      var text = value.hasPrefix("~/") ? home + value.dropFirst() : value
      let tokens: [Character: String] = [
        "h": oracle["hostname"]?.first ?? "", "r": oracle["user"]?.first ?? "",
        "p": oracle["port"]?.first ?? "",
        "u": localUser, "d": home, "n": hop.host, "%": "%",
      ]
      var result = ""
      var escaped = false
      for character in text {
        if escaped {
          result += tokens[character] ?? "%\(character)"
          escaped = false
        } else if character == "%" {
          escaped = true
        } else {
          result.append(character)
        }
      }
      text = result
      return text
    }
  }
}
