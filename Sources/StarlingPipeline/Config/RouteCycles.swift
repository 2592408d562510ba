/// Cycles in a pipeline's routes: module `a` feeds `b`, which (directly or not) feeds `a`.
///
/// An event on a cycle can circle until its TTL runs out, and a stopping pipeline cannot
/// drain one (each module on it waits for the one before it to stop), so validation refuses
/// them. The search is Tarjan's strongly connected components, iterative and linear in the
/// routes, so a config of a hundred thousand modules costs no more than reading it.
struct RouteCycles {
  /// The module each route leaves and the one it enters, as numbers.
  private let source: [Int]
  private let target: [Int]
  /// Per module number, the routes leaving it.
  private let outgoing: [[Int]]

  private init(_ routes: [RouteConfig]) {
    var numbers: [String: Int] = [:]
    func number(_ name: String) -> Int {
      if let known = numbers[name] { return known }
      numbers[name] = numbers.count
      return numbers.count - 1
    }
    source = routes.map { number($0.from.module) }
    target = routes.map { number($0.to.module) }
    var outgoing = Array(repeating: [Int](), count: numbers.count)
    for (route, from) in source.enumerated() { outgoing[from].append(route) }
    self.outgoing = outgoing
  }

  /// One cycle per group of modules that feed each other: its routes, in the order events
  /// go round, starting with the route of the group the config writes first.
  static func find(_ routes: [RouteConfig]) -> [[RouteConfig]] {
    let graph = RouteCycles(routes)
    let component = graph.components()
    var reported: Set<Int> = []
    var cycles: [[RouteConfig]] = []
    for route in routes.indices {
      let group = component[graph.source[route]]
      guard group == component[graph.target[route]], reported.insert(group).inserted else { continue }
      let back = graph.path(from: graph.target[route], to: graph.source[route], component: component)
      cycles.append(([route] + back).map { routes[$0] })
    }
    return cycles
  }

  /// The strongly connected component of every module (Tarjan's algorithm, without
  /// recursion, so deep chains cannot overflow the stack).
  private func components() -> [Int] {
    let count = outgoing.count
    var order = Array(repeating: -1, count: count)
    var low = Array(repeating: 0, count: count)
    var onStack = Array(repeating: false, count: count)
    var component = Array(repeating: -1, count: count)
    var stack: [Int] = []
    var visited = 0
    var components = 0
    for root in 0..<count where order[root] < 0 {
      // Each frame: a module and how many of its routes have been followed.
      var frames: [(node: Int, next: Int)] = []
      func enter(_ node: Int) {
        order[node] = visited
        low[node] = visited
        visited += 1
        stack.append(node)
        onStack[node] = true
        frames.append((node, 0))
      }
      enter(root)
      while let (node, next) = frames.last {
        if next < outgoing[node].count {
          frames[frames.count - 1].next += 1
          let child = target[outgoing[node][next]]
          if order[child] < 0 {
            enter(child)
          } else if onStack[child] {
            low[node] = min(low[node], order[child])
          }
          continue
        }
        frames.removeLast()
        if let parent = frames.last?.node { low[parent] = min(low[parent], low[node]) }
        guard low[node] == order[node] else { continue }
        while let member = stack.popLast() {
          onStack[member] = false
          component[member] = components
          if member == node { break }
        }
        components += 1
      }
    }
    return component
  }

  /// The fewest routes from module `start` to module `end` inside their component (breadth
  /// first); none when `start` is `end`.
  private func path(from start: Int, to end: Int, component: [Int]) -> [Int] {
    var via: [Int: Int] = [start: -1]
    var queue = [start]
    var head = 0
    while head < queue.count, via[end] == nil {
      let node = queue[head]
      head += 1
      for route in outgoing[node] {
        let child = target[route]
        guard component[child] == component[start], via[child] == nil else { continue }
        via[child] = route
        queue.append(child)
      }
    }
    var chain: [Int] = []
    var at = end
    while at != start, let route = via[at] {
      chain.append(route)
      at = source[route]
    }
    return chain.reversed()
  }
}
