using CarteAuth.Audit;
using CarteAuth.Core.Tests.Audit;
using CarteAuth.Core.Tests.Pairing;
using CarteAuth.Fido2.Stores;
using CarteAuth.Fido2.Tests.Stores;
using CarteAuth.Pairing;

namespace CarteAuth.Stores.PostgreSql.Tests;

/// <summary>The audit store contract against PostgreSQL; each store gets its own schema.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlAuditStoreContractTests(PostgreSqlServer server) : AuditStoreContractTests
{
    protected override ValueTask<IAuditStore> CreateStoreCoreAsync() => ValueTask.FromResult<IAuditStore>(new PostgreSqlAuditStore(server.NewDataSource(), Clock));
}

/// <summary>The pairing store contract against PostgreSQL.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlPairingStoreContractTests(PostgreSqlServer server) : PairingStoreContractTests
{
    protected override IPairingStore CreateStore() => new PostgreSqlPairingStore(server.NewDataSource());
}

/// <summary>The FIDO2 credential store contract against PostgreSQL.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlCredentialStoreContractTests(PostgreSqlServer server) : CredentialStoreContractTests
{
    protected override IFido2CredentialStore CreateStore() => new PostgreSqlFido2CredentialStore(server.NewDataSource());
}
