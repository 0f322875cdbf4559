using System.IO.Abstractions;
using ImageBuilder.Cli.Commands;

namespace ImageBuilder.Cli;

/// <summary>
/// The <c>ibuild</c> command line: picks the command, turns every failure into one
/// message and an exit code. No stack trace ever reaches the user.
/// </summary>
internal static class CommandLineApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public const string Usage = """
        Usage: ibuild <command> [options]

        Commands:
          check [-f FILE] [--dump] [CONTEXT]   parse and validate a Dockerfile without building

        Options:
          -h, --help       show help (also after a command: ibuild check --help)
          --version        print the version

        Run 'ibuild <command> --help' for a command's options.
        """;

    public static async Task<int> RunAsync(
        string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken,
        IFileSystem? fileSystem = null)
    {
        fileSystem ??= new FileSystem();
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                await stdout.WriteLineAsync(Usage.AsMemory(), cancellationToken);
                return args.Length == 0 ? UsageError : Success;
            }

            if (args[0] == "--version")
            {
                await stdout.WriteLineAsync($"ibuild {typeof(CommandLineApp).Assembly.GetName().Version}".AsMemory(), cancellationToken);
                return Success;
            }

            var rest = args[1..];
            return args[0] switch
            {
                "check" => await new CheckCommand(fileSystem, stdin, stdout, stderr).RunAsync(rest, cancellationToken),
                _ => await UnknownCommandAsync(args[0], stderr),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"ibuild: {e.Message}");
            await stderr.WriteLineAsync("Run 'ibuild --help' for usage.");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("ibuild: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            await stderr.WriteLineAsync($"ibuild: internal error: {e.GetType().Name}: {e.Message}");
            return Failure;
        }
    }

    private static async Task<int> UnknownCommandAsync(string command, TextWriter stderr)
    {
        await stderr.WriteLineAsync($"ibuild: unknown command \"{command}\"");
        await stderr.WriteLineAsync("Run 'ibuild --help' for the list of commands.");
        return UsageError;
    }
}

/// <summary>Bad command-line arguments: printed with a pointer to --help, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
