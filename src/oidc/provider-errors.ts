// The one seam to oidc-provider's error classes (protocol code throws the provider's own errors).
export { errors } from 'oidc-provider';
