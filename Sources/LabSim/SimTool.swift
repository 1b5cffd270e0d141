import Foundation

/// The multi-call simulated host: one entry point answering as nvidia-smi, kubectl, helm,
/// k3s, apt-get, sudo, curl, … from the model in the host's directory.
public struct SimTool: Sendable {
  public let directory: String
  let store: SimStore
  let environment: [String: String]
  let readInput: @Sendable () -> String

  /// - Parameters:
  ///   - directory: the simulated host's directory (`LABRUN_SIM_DIR`).
  ///   - readInput: reads standard input to its end (only commands that take input call it).
  public init(directory: String, environment: [String: String], readInput: @escaping @Sendable () -> String) {
    self.directory = directory
    self.store = SimStore(directory: directory)
    self.environment = environment
    self.readInput = readInput
  }

  /// Runs the command `name` (argv[0]'s base name) with `arguments`.
  public func run(name: String, arguments: [String]) -> SimToolResult {
    do {
      return try dispatch(name: name, arguments: arguments)
    } catch {
      return .fail("\(name): \(error)\n")
    }
  }

  private func dispatch(name: String, arguments: [String]) throws -> SimToolResult {
    if let result = try mpsDispatch(name: name, arguments: arguments) { return result }
    switch name {
    case "sudo": return sudo(arguments)
    case "id": return id(arguments)
    case "uname": return uname(arguments)
    case "df": return df()
    case "nvidia-smi":
      if let query = arguments.first(where: { $0.hasPrefix("--query-compute-apps=") }) {
        return computeApps(String(query.dropFirst("--query-compute-apps=".count)), state: store.load())
      }
      return preloadedNVIDIASMI(arguments, state: store.load())
    case "env": return env(arguments)
    case "nvcc": return nvcc(arguments)
    case "docker": return docker(arguments)
    case "memory-probe": return try memoryProbe(arguments)
    case "throughput-probe": return try throughputProbe(arguments)
    case "cat": return cat(arguments)
    case "grep": return grep(arguments)
    case "rm": return try rm(arguments)
    case "ls": return ls(arguments)
    case "mkdir": return mkdir(arguments)
    case "tee": return try tee(arguments)
    case "curl": return curl(arguments)
    case "gpg": return try gpg(arguments)
    case "apt-get": return try aptGet(arguments)
    case "dpkg-query": return dpkgQuery(arguments)
    case "nvidia-ctk":
      return .ok(
        "NVIDIA Container Toolkit CLI version 1.17.8\ncommit: f202b80a9b9d0db00d9b1d73c0128c8962c55f4d\n")
    case "systemctl": return systemctl(arguments)
    case "k3s-installer":
      if let url = environment["K3S_URL"], !url.isEmpty { return try agentInstall(url: url) }
      return try k3sInstall()
    case "k3s-uninstall.sh": return try k3sUninstall()
    case "k3s-agent-uninstall.sh": return try agentUninstall()
    case "journalctl": return journalctl(arguments)
    case "hostname": return hostname(arguments)
    case "k3s": return k3s(arguments)
    case "helm-installer": return try helmInstall()
    case "helm": return try helm(arguments)
    case "kubectl": return try kubectl(arguments)
    default: return .fail("\(name): not a command of labrun's simulated host\n", status: 127)
    }
  }

  // MARK: the system

  func real(_ name: String) -> String { directory + "/real/" + name }

  /// A path that belongs to the simulated host's own file system, never this machine's
  /// (`/tmp/vgpulock` is the HAMi device plugin's, on the host).
  static func isVirtual(_ path: String) -> Bool {
    virtualPrefixes.contains { path.hasPrefix($0) }
  }

  /// Where the simulated host's own file system is (also the passthrough commands' fronts' rule:
  /// ``SimulatedHost/front(_:directory:)``).
  static let virtualPrefixes = ["/etc/", "/usr/", "/var/lib/", "/opt/", "/tmp/vgpulock"]

  /// Whether the model has `path` as a file or as a directory holding files.
  static func exists(_ path: String, in state: SimState) -> Bool {
    let bare = path.hasSuffix("/") ? String(path.dropLast()) : path
    if bare == "/usr/local/bin/helm" { return state.helmInstalled }
    return state.files[bare] != nil || state.files.keys.contains { $0.hasPrefix(bare + "/") }
  }

  private func ls(_ arguments: [String]) -> SimToolResult {
    let paths = arguments.filter { !$0.hasPrefix("-") }
    guard paths.contains(where: Self.isVirtual) else {
      return .exec(path: real("ls"), arguments: ["ls"] + arguments)
    }
    let state = store.load()
    var out = ""
    var err = ""
    for path in paths {
      if Self.exists(path, in: state) {
        out += path + "\n"
      } else {
        err += "ls: cannot access '\(path)': No such file or directory\n"
      }
    }
    return .exit(stdout: out, stderr: err, status: err.isEmpty ? 0 : 2)
  }

  /// Directories of the model exist as soon as a file is in them: nothing to make.
  private func mkdir(_ arguments: [String]) -> SimToolResult {
    guard arguments.filter({ !$0.hasPrefix("-") }).contains(where: Self.isVirtual) else {
      return .exec(path: real("mkdir"), arguments: ["mkdir"] + arguments)
    }
    return .ok()
  }

  private func sudo(_ arguments: [String]) -> SimToolResult {
    var rest = arguments
    while let first = rest.first, first.hasPrefix("-") { rest.removeFirst() }
    if store.load().scenario == .sudoPassword {
      return .fail(
        "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n"
      )
    }
    guard let command = rest.first else { return .fail("usage: sudo -n command\n") }
    let path = command.contains("/") ? command : directory + "/bin/" + command
    guard FileManager.default.isExecutableFile(atPath: path) else {
      return .fail("sudo: \(command): command not found\n")
    }
    return .exec(path: path, arguments: rest)
  }

  /// `id`, `id -u`, `id -un` (also `-n -u`) as coreutils answers for the user ubuntu.
  private func id(_ arguments: [String]) -> SimToolResult {
    let flags = Set(arguments.filter { $0.hasPrefix("-") }.flatMap { $0.dropFirst() })
    switch (flags.contains("u"), flags.contains("n")) {
    case (true, true): return .ok("ubuntu\n")
    case (true, false): return .ok("1000\n")
    default: return .ok("uid=1000(ubuntu) gid=1000(ubuntu) groups=1000(ubuntu),27(sudo)\n")
    }
  }

  private func uname(_ arguments: [String]) -> SimToolResult {
    switch arguments.first {
    case "-r": return .ok("5.15.0-113-generic\n")
    case "-m": return .ok("x86_64\n")
    case "-n": return .ok(store.load().nodeName + "\n")
    default: return .ok("Linux\n")
    }
  }

  private func df() -> SimToolResult {
    let available = store.load().scenario == .diskShort ? 9_437_184 : 161_822_000
    let used = 203_056_560 - available
    return .ok(
      "Filesystem     1024-blocks      Used Available Capacity Mounted on\n"
        + "/dev/vda1        203056560 \(pad(used, 9)) \(pad(available, 9))      \(used * 100 / 203_056_560)% /\n"
    )
  }

  private func cat(_ arguments: [String]) -> SimToolResult {
    let files = arguments.filter { !$0.hasPrefix("-") }
    guard files.contains(where: Self.isVirtual) else {
      return .exec(path: real("cat"), arguments: ["cat"] + arguments)
    }
    let state = store.load()
    var out = ""
    var err = ""
    for file in files {
      if let content = state.files[file] {
        out += content
      } else {
        err += "cat: \(file): No such file or directory\n"
      }
    }
    return .exit(stdout: out, stderr: err, status: err.isEmpty ? 0 : 1)
  }

  private func grep(_ arguments: [String]) -> SimToolResult {
    guard let file = arguments.last, Self.isVirtual(file), arguments.count >= 2 else {
      return .exec(path: real("grep"), arguments: ["grep"] + arguments)
    }
    let options = arguments.dropLast().filter { $0.hasPrefix("-") }
    guard let pattern = arguments.dropLast().last(where: { !$0.hasPrefix("-") }),
      let regex = try? Regex(pattern)
    else { return .fail("grep: bad pattern\n", status: 2) }
    guard let content = store.load().files[file] else {
      return .fail("grep: \(file): No such file or directory\n", status: 2)
    }
    let matches = content.split(separator: "\n").filter { (try? regex.firstMatch(in: String($0))) != nil }
    let quiet = options.contains("-q")
    return .exit(
      stdout: quiet ? "" : matches.map { $0 + "\n" }.joined(), stderr: "", status: matches.isEmpty ? 1 : 0)
  }

  private func rm(_ arguments: [String]) throws -> SimToolResult {
    let files = arguments.filter { !$0.hasPrefix("-") }
    guard files.contains(where: Self.isVirtual) else {
      return .exec(path: real("rm"), arguments: ["rm"] + arguments)
    }
    let recursive = arguments.contains { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("r") }
    try store.update { state in
      for file in files {
        if file == "/usr/local/bin/helm", state.helmInstalled {
          state.helmInstalled = false
          state.change("rm \(file)")
        }
        if state.files.removeValue(forKey: file) != nil { state.change("rm \(file)") }
        let bare = file.hasSuffix("/") ? String(file.dropLast()) : file
        let inside = state.files.keys.filter { $0.hasPrefix(bare + "/") }
        if !inside.isEmpty, recursive {
          for key in inside { state.files[key] = nil }
          state.change("rm -r \(bare)")
        }
      }
    }
    return .ok()
  }

  private func tee(_ arguments: [String]) throws -> SimToolResult {
    let files = arguments.filter { !$0.hasPrefix("-") }
    guard files.contains(where: Self.isVirtual) else {
      return .exec(path: real("tee"), arguments: ["tee"] + arguments)
    }
    let input = readInput()
    try store.update { state in
      for file in files {
        state.files[file] = input
        state.change("write \(file)")
      }
    }
    return .ok(input)
  }
}

/// Options whose value is the next argument, for telling words from option values.
let optionsWithValues: Set<String> = [
  "-n", "--namespace", "-o", "--output", "-l", "--selector", "--field-selector", "--filter", "--version",
  "--set",
  "--timeout", "-f",
]

/// The arguments that are neither options nor option values.
func positional(_ arguments: [String]) -> [String] {
  var words: [String] = []
  var skip = false
  for argument in arguments {
    if skip {
      skip = false
      continue
    }
    if optionsWithValues.contains(argument) {
      skip = true
      continue
    }
    if argument.hasPrefix("-") { continue }
    words.append(argument)
  }
  return words
}

/// `value` right-aligned in `width` columns.
func pad(_ value: Int, _ width: Int) -> String { pad(String(value), width) }

/// `text` right-aligned in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// `text` left-aligned in `width` columns.
func padRight(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
