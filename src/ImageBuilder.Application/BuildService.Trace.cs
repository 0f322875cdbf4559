using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Tracing;

namespace ImageBuilder.Application;

/// <summary>
/// <c>ibuild build --trace FILE</c>: the build runs with a <see cref="BuildTrace"/> as its ambient
/// trace, and the trace is written when the build ends — finished, failed or cancelled — as a
/// whole file (<see cref="TraceEventWriter.WriteFile"/>). Not when it ends because it needs the
/// user namespace: that process execs into the namespace, and the build there writes the trace.
/// </summary>
public sealed partial class BuildService
{
    private static async Task<T> TracedAsync<T>(string tracePath, Func<Task<T>> build, Action<string> warn)
    {
        var path = Path.GetFullPath(tracePath);
        // Refused before the build, not after it: a trace that cannot be written should not cost a build.
        if (Path.GetDirectoryName(path) is { } directory && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"--trace {tracePath}: the directory {directory} does not exist");
        }

        if (Directory.Exists(path))
        {
            throw new IOException($"--trace {tracePath}: is a directory; name a file");
        }

        var trace = new BuildTrace();
        T built;
        using (trace.Activate())
        {
            try
            {
                built = await build();
            }
            catch (Exception e) when (e is not UserNamespaceRequiredException)
            {
                // The build's error is the one to report; a trace that cannot be written is a warning then.
                try
                {
                    TraceEventWriter.WriteFile(trace, path);
                }
                catch (Exception error)
                {
                    warn($"could not write the trace {tracePath}: {error.Message}");
                }

                throw;
            }
        }

        try
        {
            TraceEventWriter.WriteFile(trace, path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--trace {tracePath}: the image was built, but its trace could not be written: {error.Message}", error);
        }

        return built;
    }
}
