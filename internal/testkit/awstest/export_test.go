package awstest

// FindMotoServerIn exposes the search with chosen shim directories to the tests.
var FindMotoServerIn = findMotoServer
