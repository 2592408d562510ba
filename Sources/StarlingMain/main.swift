// The `starling` executable: the command line with Starling's built-in modules. A package of your
// own can make its own `starling` with its modules beside these (Examples/CustomModule).
import StarlingCommandLine

await StarlingCommand.main()
