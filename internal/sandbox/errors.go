package sandbox

import "fmt"

// apiError is a Logto RequestError (code set) or a bare koa error (code empty, body {message}).
type apiError struct {
	status  int
	code    string
	data    any
	details string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// body serialises the error with Logto's key order: code, data?, details?, message.
func (e *apiError) body() object {
	if e.code == "" {
		return object{{"message", e.message}}
	}
	o := object{{"code", e.code}}
	if e.data != nil {
		o = append(o, member{"data", e.data})
	}
	if e.details != "" {
		o = append(o, member{"details", e.details})
	}
	return append(o, member{"message", e.message})
}

// English texts of the Logto error codes the sandbox emits (packages/phrases, en).
const (
	msgNotFound        = "The resource does not exist."
	msgUnique          = "The entity already exists. Please check the input and try again."
	msgForeignKey      = "Cannot find one or more foreign keys. Please check the input and ensure that all referenced entities exist."
	msgValueTooLong    = "The length of value is too long and exceeds the limit."
	msgConstraint      = "Database constraint violated."
	msgRateLimited     = "Too many messages sent to this recipient. Please try again later."
	msgNoConnector     = "Cannot find any available connector for type: Email."
	msgInternal        = "Internal server error."
	msgHeaderMissing   = "Authorization header is missing."
	msgTypeUnsupported = "Authorization type is not supported."
	msgUnauthorized    = "Unauthorized. Please check credentials and its scope."
	msgSubMissing      = "Missing `sub` in JWT."
	msgForbidden       = "Forbidden. Please check your user roles and permissions."
)

func errGuard(kind string, issues []issue) *apiError {
	return &apiError{
		status:  400,
		code:    "guard.invalid_input",
		data:    zodError{Issues: issues, Name: "ZodError"},
		details: formatIssues(issues),
		message: fmt.Sprintf("The request %s is invalid.", kind),
	}
}

// errInvalidInput is request.invalid_input, whose details are interpolated into the message
// rather than sent as a details key.
func errInvalidInput(status int, details string) *apiError {
	return &apiError{status: status, code: "request.invalid_input", message: "Input is invalid. " + details}
}

func errNotFound() *apiError {
	return &apiError{status: 404, code: "entity.not_found", message: msgNotFound}
}

func errUnique() *apiError {
	return &apiError{status: 422, code: "entity.unique_integrity_violation", message: msgUnique}
}

func errForeignKey() *apiError {
	return &apiError{status: 422, code: "entity.relation_foreign_key_not_found", message: msgForeignKey}
}

func errValueTooLong(limit int) *apiError {
	return &apiError{
		status:  422,
		code:    "entity.value_too_long",
		data:    object{{"message", fmt.Sprintf("value too long for type character varying(%d)", limit)}},
		message: msgValueTooLong,
	}
}

func errConstraint() *apiError {
	return &apiError{status: 422, code: "entity.db_constraint_violated", message: msgConstraint}
}

func errRateLimited() *apiError {
	return &apiError{status: 429, code: "request.message_rate_limited", message: msgRateLimited}
}

func errNoConnector() *apiError {
	return &apiError{status: 501, code: "connector.not_found", message: msgNoConnector}
}

func errInternal() *apiError { return &apiError{status: 500, message: msgInternal} }

func errBadJSON(msg string) *apiError { return &apiError{status: 400, message: msg} }

func errUserConflict(code, msg string) *apiError {
	return &apiError{status: 422, code: code, message: msg}
}
