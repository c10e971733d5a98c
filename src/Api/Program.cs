using RecSys.Api;

return await RecSysApi.RunAsync(args);

/// <summary>Entry point; public so functional tests can host it with WebApplicationFactory.</summary>
public partial class Program;
