namespace ImageBuilder.Cli.Tests;

/// <summary>
/// Tests that run <c>ibuild build</c> in this process: build reads process-wide state (SOURCE_DATE_EPOCH),
/// which one of them sets, so they do not run beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliEnvironment
{
    public const string Name = "process environment";

    /// <summary>Runs an ibuild command line on the real file system, as the binary would.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(TextReader stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(args, stdin, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
