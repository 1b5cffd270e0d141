import Foundation

/// Finds the lab `--lab NAME|PATH` names, and lists every lab labrun can find.
///
/// A value containing `/`, ending in `.yaml`/`.yml`, or naming an existing path is a PATH:
/// a lab.yaml file, or a directory holding one. Anything else is a NAME, looked up as
/// `NAME/lab.yaml` in each directory of `$LABRUN_LABS` (colon separated), then in `./labs`,
/// then among the labs built into labrun: edits to a checkout's labs/ take effect when labrun
/// runs there, and an installed labrun works anywhere.
public struct LabLocator: Sendable {
  public var workingDirectory: URL
  public var environment: [String: String]
  /// The labs compiled into this labrun, looked up last.
  public var builtIn: [EmbeddedLab]

  public init(
    workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
    environment: [String: String] = ProcessInfo.processInfo.environment,
    builtIn: [EmbeddedLab] = []
  ) {
    self.workingDirectory = workingDirectory
    self.environment = environment
    self.builtIn = builtIn
  }

  /// The lab `spec` refers to.
  /// - Throws: ``LabDefinitionError/notFound(spec:searched:)``.
  public func locate(_ spec: String) throws -> LocatedLab {
    let fileManager = FileManager.default
    let looksLikePath =
      spec.contains("/") || spec.hasSuffix(".yaml") || spec.hasSuffix(".yml")
      || fileManager.fileExists(atPath: workingDirectory.appendingPathComponent(spec).path)
    if looksLikePath {
      let url =
        spec.hasPrefix("/")
        ? URL(fileURLWithPath: spec) : workingDirectory.appendingPathComponent(spec)
      var isDirectory: ObjCBool = false
      if fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
        let file = isDirectory.boolValue ? url.appendingPathComponent("lab.yaml") : url
        if fileManager.fileExists(atPath: file.path) {
          return LocatedLab(name: spec, source: .file(file.standardizedFileURL), origin: .path)
        }
        throw LabDefinitionError.notFound(spec: spec, searched: [file.path])
      }
      throw LabDefinitionError.notFound(spec: spec, searched: [url.path])
    }
    var searched: [String] = []
    for (directory, origin) in searchDirectories() {
      let file = directory.appendingPathComponent(spec, isDirectory: true).appendingPathComponent("lab.yaml")
      if fileManager.fileExists(atPath: file.path) {
        return LocatedLab(name: spec, source: .file(file.standardizedFileURL), origin: origin)
      }
      searched.append(file.path)
    }
    if let lab = builtIn.first(where: { $0.name == spec }) {
      return LocatedLab(name: spec, source: .builtIn(lab), origin: .builtIn)
    }
    searched.append("the built-in labs (\(builtIn.map(\.name).sorted().joined(separator: ", ")))")
    throw LabDefinitionError.notFound(spec: spec, searched: searched)
  }

  /// The lab a run was started with: `recorded` is its run.json `lab_file` (a lab.yaml path or
  /// `built-in:NAME`); a path that is gone falls back to looking `name` up as usual.
  public func locate(recorded: String?, name: String) throws -> LocatedLab {
    if let recorded, recorded.hasPrefix(LabSource.builtInPrefix) {
      let builtInName = String(recorded.dropFirst(LabSource.builtInPrefix.count))
      guard let lab = builtIn.first(where: { $0.name == builtInName }) else {
        throw LabDefinitionError.notFound(
          spec: builtInName,
          searched: ["the built-in labs (\(builtIn.map(\.name).sorted().joined(separator: ", ")))"])
      }
      return LocatedLab(name: builtInName, source: .builtIn(lab), origin: .runRecord)
    }
    if let recorded, FileManager.default.fileExists(atPath: recorded) {
      return LocatedLab(
        name: name, source: .file(URL(fileURLWithPath: recorded).standardizedFileURL), origin: .runRecord)
    }
    return try locate(name)
  }

  /// Where lab names are looked up on disk, in order, before the built-in labs.
  public func searchDirectories() -> [(URL, LocatedLab.Origin)] {
    var directories: [(URL, LocatedLab.Origin)] = []
    for entry in (environment["LABRUN_LABS"] ?? "").split(separator: ":") where !entry.isEmpty {
      let path = String(entry)
      let url =
        path.hasPrefix("/")
        ? URL(fileURLWithPath: path, isDirectory: true)
        : workingDirectory.appendingPathComponent(path, isDirectory: true)
      directories.append((url, .labsVariable))
    }
    directories.append(
      (workingDirectory.appendingPathComponent("labs", isDirectory: true), .workingDirectory))
    var seen = Set<String>()
    return directories.filter { seen.insert($0.0.standardizedFileURL.path).inserted }
  }

  /// Every lab found, in lookup order: each search directory's `*/lab.yaml` by name, then the
  /// built-in labs. A name that appears twice is used from its first place.
  public func all() -> [LocatedLab] {
    var found: [LocatedLab] = []
    for (directory, origin) in searchDirectories() {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
      for name in names.sorted() where !name.hasPrefix(".") {
        let file = directory.appendingPathComponent(name, isDirectory: true).appendingPathComponent(
          "lab.yaml")
        if FileManager.default.fileExists(atPath: file.path) {
          found.append(LocatedLab(name: name, source: .file(file.standardizedFileURL), origin: origin))
        }
      }
    }
    for lab in builtIn.sorted(by: { $0.name < $1.name }) {
      found.append(LocatedLab(name: lab.name, source: .builtIn(lab), origin: .builtIn))
    }
    return found
  }
}
