namespace ImageBuilder.IntegrationTests.Network;

/// <summary>The network stack processes (slirp4netns) an ibuild process started: their command line names its namespace as /proc/PID/fd/N.</summary>
internal static class NetworkStack
{
    public static List<int> ProcessesOf(int ibuildPid) =>
        Tools.ProcessesWhere(c => c.StartsWith("slirp4netns ", StringComparison.Ordinal) && c.Contains($"/proc/{ibuildPid}/fd/", StringComparison.Ordinal));
}
