// The whole command line, with process.shout registered beside the built-in modules.
import StarlingCommandLine

await StarlingCommand.main(modules: [Shout.self])
