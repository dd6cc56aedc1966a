// Child process for the migration race test: opens DATABASE_URL, migrates, prints the ids it applied.

import { migrate } from "../../../src/store/migrate.js";
import { allMigrations, openDb } from "../../../src/store/open-store.js";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is not set");
const db = await openDb(url);
const applied = await migrate(db, allMigrations);
await db.close();
console.log(JSON.stringify(applied));
