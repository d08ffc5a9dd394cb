// Lets TypeScript accept C sources imported as file assets (`with { type: "file" }` yields their path).
declare module "*.c" {
	const path: string;
	export default path;
}
