using CarteAuth.Samples.HospitalPortal;

// HospitalPortal demo: `dotnet run --project samples/HospitalPortal` (README.md of this folder).
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
HospitalPortalOptions options;
try
{
    options = HospitalPortalOptions.FromConfiguration(configuration);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine("HospitalPortal: invalid configuration: " + e.Message);
    return 2;
}

HospitalPortalApp portal;
try
{
    portal = await HospitalPortalApp.StartAsync(options);
}
catch (IOException e)
{
    // Kestrel could not bind (e.g. "address already in use"): say which setting changes the port.
    Console.Error.WriteLine($"HospitalPortal: cannot listen on localhost:{options.HttpsPort} and :{options.CardPort} ({e.Message}). " +
        "Choose other ports: --HospitalPortal:HttpsPort=6443 --HospitalPortal:CardPort=6444 (0 = a free port).");
    return 1;
}

await using var running = portal;
var env = portal.Environment;
Console.WriteLine($"""

    HospitalPortal (CarteAuth demo) is running.
      Open:            {portal.Address}   (self-signed certificate for localhost: accept it, or trust {env.TlsCertificatePemPath})
      Card login port: {portal.CardAddress} (asks for the card's TLS client certificate)
      Data directory:  {env.Directory}{(env.Created ? "   (dev PKI generated now)" : string.Empty)}
      Dev cards (import one into your browser's personal certificates, password '{DevEnvironment.CardPfxPassword}'):
        doctor (médecin, idNat 810002813839): {env.CardPfx("doctor")}
        nurse  (infirmier, idNat 810100507788): {env.CardPfx("nurse")}
      Pro Santé Connect: {(portal.PscSimulator is { } psc ? "simulator at " + psc.Issuer + " (log in as 810002813839, method card)" : "OFF: " + portal.PscUnavailableReason)}
    Press Ctrl+C to stop.

    """);

// Ctrl+C or SIGTERM stops the host (its console lifetime); DisposeAsync then stops the PSC simulator.
await portal.App.WaitForShutdownAsync();
return 0;
