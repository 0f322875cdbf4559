using ImageBuilder.Linux.Sandbox;

// The whole program: read the request on stdin, set up the root, exec the step's command.
return SandboxInit.Run();
