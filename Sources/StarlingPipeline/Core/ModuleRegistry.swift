/// The module types a pipeline can use, by name.
///
/// ``builtin`` holds every module Starling ships; add your own with ``register(_:)``.
/// A config may write a type's last part alone (`generator` for `input.generator`) when no
/// other type ends the same way.
public struct ModuleRegistry: Sendable {
  private var types: [String: any PipelineModule.Type] = [:]

  /// An empty registry.
  public init() {}

  /// A registry holding the given module types.
  public init(_ types: [any PipelineModule.Type]) {
    for type in types { register(type) }
  }

  /// Adds a module type (replacing one of the same name).
  public mutating func register(_ type: any PipelineModule.Type) {
    types[type.descriptor.type] = type
  }

  /// Every descriptor, sorted by type name.
  public var descriptors: [ModuleDescriptor] {
    types.values.map { $0.descriptor }.sorted { $0.type < $1.type }
  }

  /// The module type with this name or unique short name.
  public func lookup(_ name: String) -> (any PipelineModule.Type)? {
    if let type = types[name] { return type }
    let matches = types.filter { $0.key.split(separator: ".").last.map(String.init) == name }
    return matches.count == 1 ? matches.first?.value : nil
  }

  /// The full names a short name could mean (for "did you mean" and ambiguity messages):
  /// the types with that short name; else those containing the name or whose short name it
  /// contains; else the closest by edit distance (typos such as `generatr`), when close enough.
  public func candidates(for name: String) -> [String] {
    let short = types.keys.filter { $0.split(separator: ".").last.map(String.init) == name }
    if !short.isEmpty { return short.sorted() }
    let containing = types.keys.filter {
      $0.contains(name) || name.contains($0.split(separator: ".").last.map(String.init) ?? "")
    }
    if !containing.isEmpty { return containing.sorted() }
    let scored = types.keys.map { type in
      let short = String(type.split(separator: ".").last ?? "")
      return (type, min(ModuleRegistry.editDistance(name, type), ModuleRegistry.editDistance(name, short)))
    }
    guard let best = scored.map(\.1).min(), best <= max(2, name.count / 3) else { return [] }
    return scored.filter { $0.1 == best }.map(\.0).sorted()
  }

  /// Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = Swift.min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}
