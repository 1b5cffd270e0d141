import ArgumentParser
import Foundation
import LabPipeline
import Labs
import Remote
import Targets

extension Labrun {
  /// `labrun ping`: the user's connectivity check.
  struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Connect to a host, run a read-only fact probe, and print what it found.",
      discussion: """
        Connects exactly as `labrun up` would (ssh_config, jump hosts, host-key check,
        authentication), runs one read-only probe (OS, kernel, arch, sudo, nvidia-smi) and
        prints it with the host key fingerprint. Changes nothing on the host.

        With --resolve, prints what labrun would use for the host (from `ssh -G` when OpenSSH's
        ssh is installed, else labrun's own ssh_config parser) and connects to nothing.

        Exit status:
          0    connected and probed (or resolved)
          2    --host names an unknown simulated card (sim:PROFILE)
          3    the host could not be reached or resolved, its key was refused, or
               authentication failed (the reason is printed on one line)
          64   invalid command line (e.g. a malformed --host)
        """)

    /// Where to connect and how.
    @OptionGroup var target: TargetArguments

    /// Machine-readable output for scripts.
    @Flag(name: .long, help: "Print the facts as JSON on stdout.")
    var json = false

    /// Shows the ssh_config resolution without connecting.
    @Flag(
      name: .long,
      help:
        "Print how the host resolves (host name, user, port, keys, known_hosts, jump hosts, ProxyCommand); connect to nothing."
    )
    var resolve = false

    func validate() throws {
      guard let host = target.host, !host.isEmpty else {
        throw ValidationError("--host is required: an ssh_config alias, user@host[:port] or local")
      }
    }

    func run() async throws {
      let session = LabSession()
      if resolve {
        try await printResolution(session)
        return
      }
      let transport: any Transport
      let facts: HostFacts
      do {
        transport = try await session.openTransport(target)
        facts = try await HostFacts.gather(on: transport)
      } catch {
        throw Self.failure(error, session)
      }
      let info = await transport.target
      await transport.close()
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(PingReport(target: info, facts: facts))
        FileHandle.standardOutput.write(data + Data("\n".utf8))
      } else {
        print(Self.render(info, facts), terminator: "")
      }
    }

    /// `--resolve`: the plan, as text or JSON, and no connection.
    private func printResolution(_ session: LabSession) async throws {
      let destination: SSHTransport.Destination
      do {
        destination = try await session.resolveSSH(target)
      } catch let error as ValidationError {
        throw error
      } catch {
        throw Self.failure(error, session)
      }
      let report = ResolvedHostReport(
        destination, labrunKnownHosts: session.state.knownHostsFile.path,
        home: session.environment["HOME"] ?? NSHomeDirectory())
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Terminal.output(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
      } else {
        Terminal.output(report.text)
      }
    }

    /// Says `error` on one line and returns the exit status to throw, from the one mapping
    /// (``LabrunExit/status(for:)``): 64 for a malformed --host, 2 for an unknown simulated
    /// card, 3 for a target that cannot be reached or whose answer is unusable.
    static func failure(_ error: any Error, _ session: LabSession) -> any Error {
      if error is ExitCode || error is ValidationError || error is CleanExit { return error }
      Terminal.note("labrun: error: " + oneLine(error), redactor: session.redactor)
      return ExitCode(LabrunExit.status(for: error))
    }

    static func oneLine(_ error: any Error) -> String {
      return String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    static func render(_ target: TargetInfo, _ facts: HostFacts) -> String {
      var rows: [(String, String)] = []
      var where_ = target.name
      if target.kind == .ssh {
        where_ += " (\(target.user ?? "?")@\(target.address ?? "?"):\(target.port ?? 22))"
      } else if target.kind == .simulated {
        where_ += " (labrun's simulated GPU host: no real GPU, nothing installed on this machine)"
      }
      rows.append(("host", where_))
      if let key = target.hostKey { rows.append(("host key", key)) }
      for jump in target.jumpHosts ?? [] {
        let address = "\(jump.user ?? "?")@\(jump.address ?? "?"):\(jump.port ?? 22)"
        rows.append(("via", "\(jump.name) (\(address)) \(jump.hostKey ?? "")"))
      }
      rows.append(("os", facts.os ?? "unknown"))
      rows.append(("kernel", facts.kernel ?? "unknown"))
      rows.append(("arch", facts.arch ?? "unknown"))
      rows.append(("user", facts.user ?? "unknown"))
      rows.append(("privilege", facts.privilege.rawValue))
      if !facts.nvidiaSMIFound {
        rows.append(("gpu", "none: nvidia-smi not found"))
      } else if !facts.driverWorks {
        rows.append(("gpu", "nvidia-smi failed: \(facts.nvidiaSMIError ?? "no GPU reported")"))
      } else {
        for gpu in facts.gpus {
          let memory = gpu.memoryMiB.map { "\($0) MiB" } ?? "? MiB"
          var line = "\(gpu.name), \(memory), driver \(gpu.driver ?? "?")"
          if let uuid = gpu.uuid { line += ", \(uuid)" }
          if let mig = gpu.migMode, mig != "[N/A]" { line += ", MIG \(mig)" }
          rows.append(("gpu", line))
        }
      }
      return rows.map { $0.0.padding(toLength: 11, withPad: " ", startingAt: 0) + $0.1 + "\n" }.joined()
    }
  }
}

/// `labrun ping --json`.
struct PingReport: Encodable {
  var target: TargetInfo
  var facts: HostFacts
}
