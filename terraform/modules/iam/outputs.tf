output "role_arns" {
  description = "IRSA role ARN per service account key (app, external_secrets, cluster_autoscaler, ebs_csi)."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "app_role_arn" {
  description = "Chart value serviceAccount.roleArn."
  value       = aws_iam_role.this["app"].arn
}

output "app_role_name" {
  description = "Name of the app role (policies attached by other modules)."
  value       = aws_iam_role.this["app"].name
}
