extension ModuleRegistry {
  /// Every module type Starling ships.
  public static let builtin = ModuleRegistry(
    [Generator.self, Stdout.self, Null.self] + flowModules + processModules + fileModules + socketModules
      + networkModules)
}
