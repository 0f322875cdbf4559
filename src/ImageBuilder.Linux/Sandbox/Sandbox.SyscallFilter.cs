using ImageBuilder.Linux.Seccomp;

namespace ImageBuilder.Linux.Sandbox;

// The step's seccomp filter, compiled here in ibuild (libseccomp), never in the init: the init
// gets the BPF bytes in its request and loads them with one prctl.
public sealed partial class Sandbox
{
    /// <summary>
    /// Compiles Docker's default profile (what steps run under unless told otherwise) on a pool
    /// thread, for the steps to come; a failure is theirs to report.
    /// </summary>
    public void Anticipate() =>
        _ = Task.Run(() => SeccompProfile.DockerDefault.CompileFor(SandboxInit.DefaultCapabilities, options.SyscallFilterCache)).ContinueWith(
            t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// The BPF program of the spec's profile for the capabilities the step keeps (Docker's
    /// default set), compiled once per process and profile (or read from the options' cache);
    /// empty when the spec asks for none. Compiled on the caller's thread, before any namespace
    /// is entered.
    /// </summary>
    private byte[] CompileSyscallFilter(SandboxSpec spec)
    {
        try
        {
            return spec.SyscallFilter?.CompileFor(SandboxInit.DefaultCapabilities, options.SyscallFilterCache).Instructions.ToArray() ?? [];
        }
        catch (SeccompException e)
        {
            throw new SandboxException($"the seccomp profile could not be compiled: {e.Message}", e);
        }
    }
}
